/**
 * A file that only lists range sources, for the commands that need the sources and not a gateway
 * (`ipgate plan --sources FILE`): `sources:` as in the config (the same keys and checks), file paths and
 * kubeconfigs relative to this file, and the cache in `.ipgate-cache/sources` next to it, where
 * `ipgate sources sync` keeps the last good copies.
 * ```yaml
 * sources:
 *   - { name: azure, type: azure-service-tags, file: ./ServiceTags_Public.json }
 * ```
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { IpgateError } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';
import { SOURCE_KEYS, sourcesSchema, type SourceConfig } from '../sources/schema.js';
import { parseYaml } from '../text/yaml.js';
import { ConfigError } from './problems.js';
import { zodProblems } from './zod-problems.js';

export interface SourcesFile {
  readonly sources: SourceConfig[];
  readonly baseDir: string;
  readonly cacheDir: string;
}

const schema = z.strictObject({ sources: sourcesSchema });

/** Validates a parsed sources document (pure); paths are made absolute against `baseDir`. */
export function sourcesFileOf(document: unknown, source: string, baseDir: string): SourcesFile {
  const parsed = schema.safeParse(document ?? {}, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(source, zodProblems(parsed.error.issues, (path) => (path === '' ? ['sources'] : path === 'sources[]' ? SOURCE_KEYS : [])));
  }
  const absolute = (file: string): string => (isAbsolute(file) ? file : resolve(baseDir, file));
  const sources = parsed.data.sources.map((s) => ({
    ...s,
    ...(s.file === undefined ? {} : { file: absolute(s.file) }),
    ...(s.kubeconfig === undefined ? {} : { kubeconfig: absolute(s.kubeconfig) }),
  }));
  return { sources, baseDir, cacheDir: resolve(baseDir, '.ipgate-cache', 'sources') };
}

export async function loadSourcesFile(file: string): Promise<SourcesFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new IpgateError('ERR_FILE_READ', `Cannot read the sources file "${file}": ${describeFileError(error)}`, { input: file });
  }
  const result = parseYaml(text);
  if (!result.ok) {
    throw new ConfigError(file, result.problems.map((p) => ({ path: '', code: 'ERR_CONFIG_YAML', message: `YAML syntax error${p.line === undefined ? '' : ` at line ${p.line}`}: ${p.message}` })));
  }
  return sourcesFileOf(result.value, file, dirname(resolve(file)));
}
