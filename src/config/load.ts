/** Reads a YAML config file, or builds the config of the short command-line form. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { IpgateError } from '../errors.js';
import { ConfigError } from './problems.js';
import type { GatewayConfig } from './types.js';
import { validateConfig } from './validate.js';

/** Parses YAML text into a config (pure). */
export function parseConfigText(text: string, source: string, baseDir: string): GatewayConfig {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => ({ path: '', code: 'ERR_CONFIG_YAML', message: `YAML ${e.code} at line ${e.linePos?.[0].line ?? '?'}: ${e.message.split('\n')[0] ?? ''}` })),
    );
  }
  return validateConfig(doc.toJS(), source, baseDir);
}

export async function loadConfigFile(file: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new IpgateError('ERR_CONFIG_READ', `Cannot read config file "${file}": ${code}`, { input: file });
  }
  return parseConfigText(text, file, dirname(resolve(file)));
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
