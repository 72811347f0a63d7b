/**
 * Reading a range list: one entry per line, `#` comments and blank lines ignored, surrounding whitespace
 * trimmed, commas also separate entries (so a pasted `az` list works), or a JSON array of strings (what
 * `az aks show --query ...authorizedIpRanges` prints). `-` or no file means standard input; a value that
 * names no file but reads as a list (`203.0.113.0/24,198.51.100.7`, `""`) is the list itself.
 */
import { readFile, stat } from 'node:fs/promises';
import { IpgateError } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';
import { isInlineList, listEntries, type ListEntry } from './list-text.js';

export type { ListEntry } from './list-text.js';

export interface RangeList {
  /** The file path, `<stdin>` or `the command line`. */
  readonly source: string;
  readonly entries: ListEntry[];
}

/** The source name of a list given on the command line instead of a file. */
export const INLINE_SOURCE = 'the command line';

/** Splits list text into entries with their line numbers (a JSON array too). */
export function parseListText(text: string, source = 'the list'): ListEntry[] {
  return listEntries(text, source);
}

async function readStdin(what = 'the range list'): Promise<string> {
  if (process.stdin.isTTY === true) {
    process.stderr.write(`ipgate: reading ${what} from standard input (end with Ctrl-D)\n`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads the raw text of a list file (`-` or undefined = standard input). Throws ERR_FILE_READ naming the path. */
export async function readListSource(path: string | undefined): Promise<{ source: string; text: string }> {
  if (path === undefined || path === '-') {
    try {
      return { source: '<stdin>', text: await readStdin() };
    } catch (error) {
      throw new IpgateError('ERR_FILE_READ', `Cannot read the range list from standard input: ${describeFileError(error)}`, { input: '-', cause: error });
    }
  }
  try {
    return { source: path, text: await readFile(path, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && isInlineList(path)) return { source: INLINE_SOURCE, text: path };
    throw new IpgateError('ERR_FILE_READ', `Cannot read the range list ${JSON.stringify(path)}: ${describeFileError(error)}`, {
      input: path, cause: error, suggestion: 'give a file (one range a line, or a JSON array), or the ranges themselves separated by commas',
    });
  }
}

/** Reads a file named on the command line (`-` = standard input); ERR_FILE_READ names `what` and the path. */
export async function readTextInput(path: string, what: string): Promise<{ source: string; text: string }> {
  try {
    if (path === '-') return { source: '<stdin>', text: await readStdin(what) };
    return { source: path, text: await readFile(path, 'utf8') };
  } catch (error) {
    throw new IpgateError('ERR_FILE_READ', `Cannot read ${what} ${path === '-' ? 'from standard input' : JSON.stringify(path)}: ${describeFileError(error)}`, { input: path, cause: error });
  }
}

/** Reads and splits a range list file (`-` or undefined = standard input; a list itself, see above). */
export async function readRangeList(path: string | undefined): Promise<RangeList> {
  const { source, text } = await readListSource(path);
  return { source, entries: parseListText(text, source) };
}

/** Whether `path` names an existing file (for arguments that take a file or entries). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
