/**
 * The admin API's named tokens (`admin.tokensFile`): a YAML list of `{name, scope: read|write, sha256 |
 * tokenFile}`. `sha256` is the lowercase hex SHA-256 of the token text (the file then holds no secret);
 * `tokenFile` names a file holding the token itself (relative paths from the tokens file's directory), read
 * by the same rules as `admin.tokenFile`. A file with any problem is refused as a whole, every problem
 * named: an empty list, a duplicate name or token, a bad scope or digest. Refusing keeps the tokens in force
 * (SIGHUP) or stops the start: never an open admin API, never a lockout by accident.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { IpgateError } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';
import { readTokenFile } from '../fs/token-file.js';
import { formatKeyPath } from '../text/key-path.js';
import { parseYaml } from '../text/yaml.js';
import { SCOPES, tokenDigest, type AdminToken } from './auth.js';

/** The largest tokens file read. */
export const MAX_TOKENS_FILE_BYTES = 1024 * 1024;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,62}$/;

const entrySchema = z.strictObject({
  name: z.string().regex(NAME, 'a token name is 1-63 letters, digits, "_", ".", "@", ":" or "-", starting with a letter or digit'),
  scope: z.enum(SCOPES),
  sha256: z.string().optional(),
  tokenFile: z.string().min(1).optional(),
});

const fileSchema = z.array(entrySchema);

/** A token file named by the tokens file that others may read (reported as a warning). */
export interface OpenTokenFile {
  readonly name: string;
  readonly file: string;
  readonly mode: number;
}

export interface TokensFile {
  readonly tokens: readonly AdminToken[];
  readonly readableByOthers: readonly OpenTokenFile[];
}

function refuse(file: string, problems: readonly string[]): never {
  throw new IpgateError('ERR_TOKENS_FILE', `Cannot use admin tokens file "${file}": ${problems.join('; ')}`, {
    input: file,
    suggestion: '- { name: ci, scope: write, sha256: <sha256sum of the token> }',
  });
}

function readText(file: string): string {
  try {
    const stats = statSync(file);
    if (!stats.isFile()) refuse(file, ['it is not a regular file']);
    if (stats.size > MAX_TOKENS_FILE_BYTES) refuse(file, [`it is ${stats.size} bytes; at most ${MAX_TOKENS_FILE_BYTES} are read`]);
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof IpgateError) throw error;
    return refuse(file, [describeFileError(error)]);
  }
}

/** Reads and checks a tokens file and the token files it names; throws ERR_TOKENS_FILE listing every problem. */
export function readTokensFile(file: string): TokensFile {
  const parsed = parseYaml(readText(file));
  if (!parsed.ok) refuse(file, parsed.problems.map((p) => `YAML${p.line === undefined ? '' : ` line ${p.line}`}: ${p.message}`));
  const checked = fileSchema.safeParse(parsed.value ?? null);
  if (!checked.success) {
    refuse(file, checked.error.issues.map((issue) => `${formatKeyPath(issue.path) || '(document)'}: ${issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message}`));
  }
  const entries = checked.data;
  if (entries.length === 0) refuse(file, ['it lists no token, so none would be accepted']);
  const problems: string[] = [];
  const tokens: AdminToken[] = [];
  const readableByOthers: OpenTokenFile[] = [];
  const names = new Map<string, number>();
  const digests = new Map<string, string>();
  entries.forEach((entry, i) => {
    const at = `[${i}] (${entry.name})`;
    const seen = names.get(entry.name);
    if (seen !== undefined) problems.push(`${at}: the name "${entry.name}" is also used by [${seen}]`);
    names.set(entry.name, i);
    let digest: Buffer | undefined;
    if ((entry.sha256 === undefined) === (entry.tokenFile === undefined)) {
      problems.push(`${at}: give either sha256 or tokenFile`);
    } else if (entry.sha256 !== undefined) {
      if (/^[0-9a-fA-F]{64}$/.test(entry.sha256) && entry.sha256 !== entry.sha256.toLowerCase()) {
        problems.push(`${at}.sha256: write the digest in lowercase hex (${entry.sha256.toLowerCase()})`);
      } else if (!/^[0-9a-f]{64}$/.test(entry.sha256)) {
        problems.push(`${at}.sha256: expected 64 lowercase hex digits (printf %s TOKEN | sha256sum), got ${entry.sha256.length} characters`);
      } else {
        digest = Buffer.from(entry.sha256, 'hex');
      }
    } else if (entry.tokenFile !== undefined) {
      const path = isAbsolute(entry.tokenFile) ? entry.tokenFile : resolve(dirname(file), entry.tokenFile);
      try {
        const read = readTokenFile(path, { minLength: 16, what: `token file of "${entry.name}"` });
        digest = tokenDigest(read.token);
        if (read.readableByOthers) readableByOthers.push({ name: entry.name, file: path, mode: read.mode });
      } catch (error) {
        problems.push(`${at}.tokenFile: ${error instanceof Error ? error.message : String(error)} (ERR_TOKEN_FILE)`);
      }
    }
    if (digest === undefined) return;
    const key = digest.toString('hex');
    const twin = digests.get(key);
    if (twin !== undefined) problems.push(`${at}: the same token as "${twin}" (each name needs its own token, or the actor is ambiguous)`);
    digests.set(key, entry.name);
    tokens.push({ name: entry.name, scope: entry.scope, digest });
  });
  if (problems.length > 0) refuse(file, problems);
  return { tokens, readableByOthers };
}
