/** Reads a YAML config file, or builds the config of the short command-line form. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { IpgateError } from '../errors.js';
import { ConfigError } from './problems.js';
import type { GatewayConfig, ProfileConfig } from './types.js';
import { validateConfig, validateProfileConfig } from './validate.js';
import { describeFileError } from '../fs/file-error.js';
import { parseYaml } from '../text/yaml.js';

/** Parses YAML text into a config (pure). */
export function parseConfigText(text: string, source: string, baseDir: string): GatewayConfig {
  return validateConfig(parseConfigYaml(text, source), source, baseDir);
}

/** Parses YAML text into the raw document; throws ConfigError (ERR_CONFIG_YAML) on syntax errors. */
export function parseConfigYaml(text: string, source: string): unknown {
  const result = parseYaml(text);
  if (!result.ok) {
    throw new ConfigError(
      source,
      result.problems.map((p) => ({ path: '', code: 'ERR_CONFIG_YAML', message: `YAML syntax error${p.line === undefined ? '' : ` at line ${p.line}`}: ${p.message}` })),
    );
  }
  return result.value;
}

export async function loadConfigFile(file: string): Promise<GatewayConfig> {
  return parseConfigText(await readConfig(file), file, dirname(resolve(file)));
}

/** A config file read for its profile, store and sources only (`ipgate export`, `ipgate sources`). */
export async function loadProfileConfigFile(file: string): Promise<ProfileConfig> {
  return validateProfileConfig(parseConfigYaml(await readConfig(file), file), file, dirname(resolve(file)));
}

async function readConfig(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new IpgateError('ERR_CONFIG_READ', `Cannot read config file "${file}": ${describeFileError(error)}`, { input: file });
  }
  return text;
}

export interface ShortFormFlags {
  readonly listen: readonly string[];
  readonly upstream: string;
  readonly ranges: string;
  readonly admin?: string;
  readonly tokenFile?: string;
  readonly auditLog?: string;
}

/** The config of `ipgate serve --listen ADDR --upstream ADDR --ranges FILE [--admin ADDR --token-file F]`. */
export function configFromFlags(flags: ShortFormFlags, cwd: string): GatewayConfig {
  if ((flags.admin === undefined) !== (flags.tokenFile === undefined)) {
    throw new IpgateError('ERR_USAGE', 'ipgate serve: --admin and --token-file go together');
  }
  const document = {
    upstream: flags.upstream,
    listeners: flags.listen.map((address, i) => ({ name: flags.listen.length === 1 ? 'public' : `public-${i + 1}`, address, enforce: true })),
    ...(flags.admin === undefined || flags.tokenFile === undefined ? {} : { admin: { address: flags.admin, tokenFile: flags.tokenFile } }),
    store: { file: flags.ranges, format: 'list' },
    ...(flags.auditLog === undefined ? {} : { auditLog: flags.auditLog }),
  };
  return validateConfig(document, 'command line', cwd);
}
