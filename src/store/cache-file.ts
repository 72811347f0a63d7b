/**
 * The last-known-good cache of a shared store: the profile an instance last accepted, with its name and
 * revision, written atomically on every accepted change. An instance that starts while the shared store is
 * unreachable enforces it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ProfileCheck } from '../policy/validate.js';
import { IpgateError } from '../errors.js';
import { removeStaleTempFiles, writeFileAtomic } from '../fs/atomic-write.js';
import { profileFromJson, profileToJson } from './codec.js';
import { parseStrictJson } from '../text/strict-json.js';
import type { StoreSnapshot } from './types.js';
import { describeFileError } from '../fs/file-error.js';

const KIND = 'ipgate-last-known-good';

export function encodeCache(name: string, snapshot: StoreSnapshot): string {
  const { profile, revision } = snapshot;
  return `${JSON.stringify({ kind: KIND, profile: name, revision, value: profileToJson(profile) }, null, 2)}\n`;
}

/** Decodes a cache file's text for profile `name`; throws ERR_CACHE_INVALID when unusable. */
export function decodeCache(text: string, name: string, file: string, check?: ProfileCheck): StoreSnapshot {
  const bad = (why: string): never => {
    throw new IpgateError('ERR_CACHE_INVALID', `Cache file "${file}" is unusable: ${why}`, { input: file });
  };
  let value: unknown;
  try {
    value = parseStrictJson(text);
  } catch (error) {
    bad(error instanceof Error ? error.message : String(error));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('expected a JSON object');
  const record = value as Record<string, unknown>;
  if (record['kind'] !== KIND) bad(`not an ipgate cache (kind must be "${KIND}")`);
  if (record['profile'] !== name) bad(`it holds profile "${String(record['profile'])}", this instance enforces "${name}"`);
  const revision = record['revision'];
  if (typeof revision !== 'string' || revision === '') bad('no revision');
  const profile = profileFromJson(record['value'], file, check);
  return { profile, revision: revision as string };
}

/** Reads the cache; undefined when the file does not exist. Throws ERR_CACHE_INVALID / ERR_CACHE_READ. */
export async function readCache(file: string, name: string, check?: ProfileCheck): Promise<StoreSnapshot | undefined> {
  await removeStaleTempFiles(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IpgateError('ERR_CACHE_READ', `Cannot read cache file "${file}": ${describeFileError(error)}`, { input: file });
  }
  return decodeCache(text, name, file, check);
}

export async function writeCache(file: string, name: string, snapshot: StoreSnapshot): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await removeStaleTempFiles(file);
  await writeFileAtomic(file, encodeCache(name, snapshot));
}
