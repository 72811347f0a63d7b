/**
 * The `sources:` list of the config file (keys exactly: name, type, url | file, refresh).
 * ```yaml
 * sources:
 *   - { name: azure, type: azure-service-tags, url: https://.../ServiceTags_Public.json, refresh: 24h }
 *   - { name: office, type: text, file: ./office-ranges.txt }
 * ```
 */
import { z } from 'zod';
import { SOURCE_TYPES } from './types.js';
import { SOURCE_NAME } from './reference.js';
import { DURATION } from './duration.js';

export const DEFAULT_REFRESH = '24h';

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export const sourceSchema = z.strictObject({
  name: z.string().regex(SOURCE_NAME, 'a source name is a letter followed by letters, digits, "-" or "_" (at most 64)'),
  type: z.enum(SOURCE_TYPES),
  url: z.string().refine(isHttpUrl, 'url must be an http:// or https:// URL').optional(),
  file: z.string().min(1, 'file must not be empty').optional(),
  refresh: z.string().regex(DURATION, 'refresh is a duration like 24h, 30m or 90s').optional(),
}).superRefine((s, ctx) => {
  if ((s.url === undefined) === (s.file === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'give exactly one of url and file', path: s.url === undefined ? [] : ['file'] });
  }
});

export const sourcesSchema = z.array(sourceSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((s, i) => {
    if (seen.has(s.name)) ctx.addIssue({ code: 'custom', message: `source name "${s.name}" is used twice`, path: [i, 'name'] });
    seen.add(s.name);
  });
});

export type SourceConfig = z.infer<typeof sourceSchema>;
