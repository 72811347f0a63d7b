/**
 * The `sources:` list of the config file (keys exactly: name, type, url | file, refresh; a kubernetes source
 * has kubeconfig [+ context] | inCluster instead of url | file).
 * ```yaml
 * sources:
 *   - { name: azure, type: azure-service-tags, url: https://.../ServiceTags_Public.json, refresh: 24h }
 *   - { name: office, type: text, file: ./office-ranges.txt }
 *   - { name: k8s, type: kubernetes, kubeconfig: ./discovery.kubeconfig }
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

/** The keys of a source (also the config's known keys under sources[]). */
export const SOURCE_KEYS = ['name', 'type', 'url', 'file', 'refresh', 'kubeconfig', 'inCluster', 'context'] as const;

export const sourceSchema = z.strictObject({
  name: z.string().regex(SOURCE_NAME, 'a source name is a letter followed by letters, digits, "-" or "_" (at most 64)'),
  type: z.enum(SOURCE_TYPES),
  url: z.string().refine(isHttpUrl, 'url must be an http:// or https:// URL').optional(),
  file: z.string().min(1, 'file must not be empty').optional(),
  refresh: z.string().regex(DURATION, 'refresh is a duration like 24h, 30m or 90s').optional(),
  /** kubernetes: the kubeconfig file (relative to the config file), or inCluster: true for a pod's service account. */
  kubeconfig: z.string().min(1, 'kubeconfig must not be empty').optional(),
  inCluster: z.boolean().optional(),
  /** kubernetes with kubeconfig: the context to use (default: the kubeconfig's current-context). */
  context: z.string().min(1, 'context must not be empty').optional(),
}).superRefine((s, ctx) => {
  if (s.type === 'kubernetes') {
    for (const key of ['url', 'file'] as const) {
      if (s[key] !== undefined) ctx.addIssue({ code: 'custom', message: `a kubernetes source reads the API server: give kubeconfig or inCluster: true, not ${key}`, path: [key] });
    }
    if ((s.kubeconfig === undefined) === (s.inCluster !== true)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of kubeconfig: FILE and inCluster: true', path: s.kubeconfig === undefined ? [] : ['inCluster'] });
    }
    if (s.context !== undefined && s.kubeconfig === undefined) ctx.addIssue({ code: 'custom', message: 'context applies to a kubeconfig only', path: ['context'] });
    return;
  }
  for (const key of ['kubeconfig', 'inCluster', 'context'] as const) {
    if (s[key] !== undefined) ctx.addIssue({ code: 'custom', message: `${key} applies to sources of type kubernetes only`, path: [key] });
  }
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
