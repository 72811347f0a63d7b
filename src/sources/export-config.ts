/**
 * Reads the parts of an ipgate config file that `ipgate export` and `ipgate sources show` need: `profile`
 * and `sources`. Other top-level keys (listeners, admin, store, ...) belong to the full config and are not
 * checked here.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';
import { sourcesSchema, type SourceConfig } from './schema.js';

export interface SourcesConfig {
  readonly path: string;
  /** Directory relative paths (`file:`) are resolved against. */
  readonly baseDir: string;
  /** Where the last good copy of each source is kept: `.ipgate-cache/sources` next to the config file. */
  readonly cacheDir: string;
  readonly profile: Profile;
  readonly sources: SourceConfig[];
}

const profileSchema = z.strictObject({
  authorizedIpRanges: z.array(z.string()).default([]),
  egressIpRanges: z.array(z.string()).default([]),
});

function issuePath(prefix: string, path: readonly PropertyKey[]): string {
  return [prefix, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/\.\[/g, '[');
}

function configError(path: string, message: string, suggestion?: string): IpgateError {
  return new IpgateError('ERR_CONFIG', `${path}: ${message}`, { input: path, ...(suggestion === undefined ? {} : { suggestion }) });
}

export function parseSourcesConfig(text: string, path: string): SourcesConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw configError(path, `not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw configError(path, 'expected a mapping of keys (profile:, sources:, ...)');
  const root = doc as Record<string, unknown>;
  if (root['profile'] === undefined) {
    throw configError(path, 'no "profile:" key', 'add profile: { authorizedIpRanges: [...], egressIpRanges: [...] }');
  }
  const profile = profileSchema.safeParse(root['profile']);
  if (!profile.success) {
    const issue = profile.error.issues[0];
    throw configError(path, `${issuePath('profile', issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
  }
  const sources = sourcesSchema.safeParse(root['sources'] ?? []);
  if (!sources.success) {
    const issue = sources.error.issues[0];
    throw configError(path, `${issuePath('sources', issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
  }
  const baseDir = dirname(resolve(path));
  return { path, baseDir, cacheDir: resolve(baseDir, '.ipgate-cache', 'sources'), profile: profile.data, sources: sources.data };
}

export async function readSourcesConfig(path: string): Promise<SourcesConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw configError(path, `cannot read the config file (${error instanceof Error && 'code' in error ? String(error.code) : 'error'})`);
  }
  return parseSourcesConfig(text, path);
}
