/**
 * Reading a range list: one entry per line, `#` comments and blank lines ignored, surrounding whitespace
 * trimmed, commas also separate entries (so a pasted `az` list works). `-` or no file means standard input.
 */
import { readFile } from 'node:fs/promises';
import { IpgateError } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';

export interface ListEntry {
  /** The entry as written, trimmed. */
  readonly text: string;
  /** 1-based line number in the source. */
  readonly line: number;
}

export interface RangeList {
  /** The file path, or `<stdin>`. */
  readonly source: string;
  readonly entries: ListEntry[];
}

/** Splits list text into entries with their line numbers. */
export function parseListText(text: string): ListEntry[] {
  const entries: ListEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const hash = raw.indexOf('#');
    const content = hash >= 0 ? raw.slice(0, hash) : raw;
    for (const part of content.split(',')) {
      const entry = part.trim();
      if (entry.length > 0) entries.push({ text: entry, line: i + 1 });
    }
  }
  return entries;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY === true) {
    process.stderr.write('ipgate: reading the range list from standard input (end with Ctrl-D)\n');
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
    throw new IpgateError('ERR_FILE_READ', `Cannot read the range list ${JSON.stringify(path)}: ${describeFileError(error)}`, { input: path, cause: error });
  }
}

/** Reads and splits a range list file (`-` or undefined = standard input). */
export async function readRangeList(path: string | undefined): Promise<RangeList> {
  const { source, text } = await readListSource(path);
  return { source, entries: parseListText(text) };
}
