/**
 * What `ipgate export` and `ipgate sources show|sync --config` read from an ipgate config file: the same
 * file `ipgate serve` runs (read by the same loader, so an unknown key is an error everywhere), where the
 * gateway's own keys (`upstream`, `listeners`) may be left out. The profile
 * is the store file's when a store is configured (that is what the gateway enforces), else `profile:`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadProfileConfigFile } from '../config/load.js';
import { IpgateError } from '../errors.js';
import { decodeProfile } from '../store/codec.js';
import { profileCheckFor } from '../sources/profile-check.js';
import type { SourcesConfig } from '../sources/resolve.js';
import { describeFileError } from '../fs/file-error.js';

export async function loadSourcesConfig(path: string): Promise<SourcesConfig> {
  const config = await loadProfileConfigFile(path);
  const sources = [...(config.sources ?? [])];
  const baseDir = dirname(resolve(path));
  const cacheDir = config.sourcesCacheDir ?? resolve(baseDir, '.ipgate-cache', 'sources');
  let profile = config.profile;
  if (config.store !== undefined) {
    let text: string | undefined;
    try {
      text = await readFile(config.store.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || profile === undefined) {
        throw new IpgateError('ERR_STORE_READ', `Cannot read the store file "${config.store.file}" of ${path}: ${describeFileError(error)}`, {
          input: config.store.file,
        });
      }
    }
    if (text !== undefined) profile = decodeProfile(config.store.format, text, config.store.file, profileCheckFor(sources));
  }
  if (profile === undefined) {
    throw new IpgateError('ERR_CONFIG_INVALID', `${path}: no profile to read (give profile:, or a store file that exists)`, { input: path });
  }
  return { path, baseDir, cacheDir, profile, sources };
}
