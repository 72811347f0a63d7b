/**
 * The file store's change history: an append-only JSON-lines file next to the store file
 * (`profile.json` -> `profile.json.history.jsonl`), one record a line. It is bounded: before a line would
 * take the file past `maxBytes`, the file is renamed to `<name>.1` (replacing the one rotated before) and a
 * new one is started, so at most two files of about `maxBytes` each are kept. Lines that are not records (a
 * torn last line after a crash) are skipped when reading.
 */
import { appendFile, readFile, rename, stat } from 'node:fs/promises';
import { parseRecord, type ChangeRecord } from './history.js';

/** Default size of the history file before it is rotated. */
export const DEFAULT_HISTORY_MAX_BYTES = 4 * 1024 * 1024;

/** The history file of a store file. */
export function historyFileOf(storeFile: string): string {
  return `${storeFile}.history.jsonl`;
}

function parseLines(text: string): ChangeRecord[] {
  const out: ChangeRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = parseRecord(JSON.parse(line));
      if (record !== undefined) out.push(record);
    } catch {
      // a torn or foreign line: not a record
    }
  }
  return out;
}

async function readIfPresent(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

export class HistoryFile {
  readonly rotated: string;

  constructor(readonly file: string, private readonly maxBytes: number = DEFAULT_HISTORY_MAX_BYTES) {
    this.rotated = `${file}.1`;
  }

  /** Appends one record (rotating first when the file would grow past the limit). */
  async append(record: ChangeRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    let size = 0;
    try {
      size = (await stat(this.file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (size > 0 && size + Buffer.byteLength(line) > this.maxBytes) await rename(this.file, this.rotated);
    await appendFile(this.file, line, { encoding: 'utf8', mode: 0o600 });
  }

  /** Every record kept, oldest first (the rotated file, then the current one). */
  async read(): Promise<ChangeRecord[]> {
    const [old, current] = await Promise.all([readIfPresent(this.rotated), readIfPresent(this.file)]);
    return [...parseLines(old), ...parseLines(current)];
  }

  /** Whether one of the newest records already ends at ETag `etagAfter` (another instance sharing the file recorded it). */
  async recorded(etagAfter: string): Promise<boolean> {
    const records = parseLines(await readIfPresent(this.file));
    for (let i = records.length - 1; i >= Math.max(0, records.length - 20); i--) if (records[i]?.etagAfter === etagAfter) return true;
    return false;
  }
}
