/**
 * Reading a bearer-token file, with one set of rules for the gateway (its admin token) and the CLI (the token
 * it sends): the file must be a regular file of at most 4 KiB (a device such as /dev/zero, a FIFO or a
 * directory would make a reader wait or read forever), and hold exactly one token without whitespace, of at
 * least `minLength` characters. The file's mode is reported so a caller can warn about a token that others
 * may read (Kubernetes Secret volumes are 0644 unless told otherwise, so that is a warning, not an error).
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { IpgateError } from '../errors.js';
import { describeFileError } from './file-error.js';

/** The largest token file accepted. */
export const MAX_TOKEN_FILE_BYTES = 4096;

export interface TokenFileOptions {
  /** Fewest characters a token may have (the gateway: 16; the CLI: 1). */
  readonly minLength: number;
  /** What the token is for, in messages: "admin token file" or "token file". */
  readonly what?: string;
}

export interface TokenFile {
  readonly token: string;
  /** Permission bits, e.g. 0o600. */
  readonly mode: number;
  /** Whether the group or others may read the file. */
  readonly readableByOthers: boolean;
}

/** `0644` for 0o644. */
export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Reads and checks a token file; throws IpgateError ERR_TOKEN_FILE naming the file and why. */
export function readTokenFile(file: string, options: TokenFileOptions): TokenFile {
  const what = options.what ?? 'token file';
  const fail = (why: string, suggestion?: string): never => {
    throw new IpgateError('ERR_TOKEN_FILE', `Cannot use ${what} "${file}": ${why}`, { input: file, ...(suggestion === undefined ? {} : { suggestion }) });
  };
  const checkStats = (stats: Stats): void => {
    if (!stats.isFile()) fail(`it is ${kindOf(stats)}; a token file must be a regular file`);
    if (stats.size > MAX_TOKEN_FILE_BYTES) fail(`it is ${stats.size} bytes; a token file holds one token of at most ${MAX_TOKEN_FILE_BYTES} bytes`);
  };
  let fd: number;
  try {
    // Look before opening: opening a FIFO or a device may block or have effects of its own.
    checkStats(statSync(file));
    // O_NONBLOCK: should the path have been swapped for a FIFO since, opening it cannot hang.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    if (error instanceof IpgateError) throw error;
    return fail(describeFileError(error));
  }
  let stats: Stats;
  let text: string;
  try {
    stats = fstatSync(fd);
    checkStats(stats);
    const buffer = Buffer.alloc(MAX_TOKEN_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_TOKEN_FILE_BYTES) fail(`it holds more than ${MAX_TOKEN_FILE_BYTES} bytes; a token file holds one token`);
    }
    text = buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof IpgateError) throw error;
    return fail(describeFileError(error));
  } finally {
    closeSync(fd);
  }
  const token = text.trim();
  if (token === '') fail('it is empty', 'openssl rand -hex 32 > admin.token');
  if (/\s/.test(token)) fail('it must hold exactly one token, without spaces or line breaks inside it');
  if (token.length < options.minLength) fail(`the token has ${token.length} characters; at least ${options.minLength} are needed`, 'openssl rand -hex 32 > admin.token');
  const mode = stats.mode & 0o777;
  return { token, mode, readableByOthers: (mode & 0o044) !== 0 };
}
