/**
 * The embedded store: the profile in one file (JSON, or a ranges list file), written atomically and watched
 * for edits on disk. A file that fails to parse or validate is refused (reported as 'rejected'); the last
 * good profile stays in force. A list file is edited in place (./list-file.ts), so its comments survive
 * writes. Every accepted change, written here or edited on disk, is recorded in the history file next to it
 * (./history-file.ts); an edit on disk once, by whoever notices it first.
 */
import { watch, type BigIntStats, type FSWatcher } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { IpgateError } from '../errors.js';
import { infoOf, sameInfo } from '../policy/entry-info.js';
import { profileDiff, type FieldDiff } from '../policy/profile-diff.js';
import type { Profile } from '../policy/profile.js';
import type { ProfileCheck } from '../policy/validate.js';
import type { StoreFormat } from '../config/types.js';
import { removeStaleTempFiles, writeFileAtomic } from '../fs/atomic-write.js';
import { checkEncodable, decodeProfile, encodeProfile, revisionOf } from './codec.js';
import { JsonEncoder } from './json-bytes.js';
import { appendedListText, writtenJsonProfile } from './written-profile.js';
import { HistoryFile, historyFileOf } from './history-file.js';
import { changeRecord, etag, newestFirst, type ChangeRecord, type HistoryQuery } from './history.js';
import { editListText } from './list-file.js';
import { DEFAULT_ORIGIN, type ChangeOrigin, type ProfileDiff, type ProfileStore, type StoreEvent, type StoreListener, type StoreSnapshot } from './types.js';
import { describeFileError } from '../fs/file-error.js';

export interface FileStoreOptions {
  readonly file: string;
  readonly format: StoreFormat;
  /** Written to the file when it does not exist; without it a missing file is an error. */
  readonly seed?: Profile;
  /** Quiet period after a change on disk before the file is read. */
  readonly debounceMs?: number;
  /** How a profile is validated (default: ranges only; the gateway with range sources also accepts references). */
  readonly check?: ProfileCheck;
  /** Size of the history file before it is rotated (default 4 MiB; one rotated file is kept). */
  readonly historyMaxBytes?: number;
}

/**
 * What identifies the file's content without reading it: inode, size and modification time to the
 * nanosecond. A write (an editor's rename, or one in place) changes at least one of them.
 */
function identity(s: BigIntStats): string {
  return `${s.ino}:${s.size}:${s.mtimeNs}`;
}

async function identityOf(file: string): Promise<string | undefined> {
  try {
    return identity(await stat(file, { bigint: true }));
  } catch {
    return undefined;
  }
}

/** The one profile a file store holds. */
const PROFILE_NAME = 'default';

/**
 * Whether an edited list file reads back as the profile asked for: as many entries, and the entries the
 * edit added or changed with the notes asked for (the edit touches no others).
 */
function readsAs(decoded: Profile, profile: Profile, diff: FieldDiff): boolean {
  if (decoded.authorizedIpRanges.length !== profile.authorizedIpRanges.length || decoded.egressIpRanges.length !== 0) return false;
  for (const list of [diff.added, diff.updated]) {
    for (const entry of list) if (!sameInfo(infoOf(decoded, 'authorizedIpRanges', entry), infoOf(profile, 'authorizedIpRanges', entry))) return false;
  }
  return true;
}

export class FileStore implements ProfileStore {
  readonly description: string;
  private snapshot: StoreSnapshot;
  private readonly listeners = new Set<StoreListener>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Serializes writes and reloads. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Revision of the content last seen on disk (good or bad), so an unchanged bad file is reported once. */
  private lastSeen: string;
  /** The text of the good snapshot (a list file is edited from it); undefined once this store wrote a JSON file. */
  private text: string | undefined;
  /** Writes a JSON file's bytes (its buffer is reused: writes are serialized). */
  private readonly json = new JsonEncoder();
  private readonly historyFile: HistoryFile;
  /**
   * The identity of the file as this store last read or wrote it (undefined: not known). A read finding the
   * file with this identity (before a write, or the watcher reporting the store's own write) skips it:
   * nobody has written the file since.
   */
  private identity: string | undefined;

  private constructor(private readonly options: FileStoreOptions, snapshot: StoreSnapshot, text: string) {
    this.description = `${options.format === 'json' ? 'file' : 'ranges file'} ${options.file}`;
    this.snapshot = snapshot;
    this.lastSeen = snapshot.revision;
    this.text = text;
    this.historyFile = new HistoryFile(historyFileOf(options.file), options.historyMaxBytes);
  }

  /** Opens the store: reads the file (seeding it when missing) and starts watching its directory. */
  static async open(options: FileStoreOptions): Promise<FileStore> {
    const { file, format } = options;
    await removeStaleTempFiles(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new IpgateError('ERR_STORE_READ', `Cannot read store file "${file}": ${describeFileError(error)}`, { input: file });
      }
      if (options.seed === undefined) {
        throw new IpgateError('ERR_STORE_READ', `Store file "${file}" does not exist`, { input: file, suggestion: `create it, or give a "profile" in the config to seed it` });
      }
      text = encodeProfile(format, options.seed, file);
      decodeProfile(format, text, file, options.check);
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, text);
    }
    const profile = decodeProfile(format, text, file, options.check);
    const store = new FileStore(options, { profile, revision: revisionOf(text) }, text);
    store.startWatching();
    return store;
  }

  get(): StoreSnapshot {
    return this.snapshot;
  }

  compareAndSwap(expectedRevision: string, profile: Profile, origin: ChangeOrigin = DEFAULT_ORIGIN, diff?: ProfileDiff): Promise<StoreSnapshot> {
    return this.serialize(async () => {
      // An edit on disk not yet seen (the watcher waits for a quiet moment) is read before writing over it.
      await this.readNow();
      if (expectedRevision !== this.snapshot.revision) {
        throw new IpgateError('ERR_PRECONDITION', `The profile changed since revision "${expectedRevision}" (now "${this.snapshot.revision}"); read it again and retry`, {
          input: expectedRevision,
        });
      }
      const change = diff ?? profileDiff(this.snapshot.profile, profile);
      const { text, bytes, decoded } = this.encode(profile, change);
      const revision = revisionOf(bytes);
      if (revision === this.snapshot.revision) return this.snapshot;
      this.identity = undefined; // (should the write fail, the file is read again next time)
      this.identity = identity(await writeFileAtomic(this.options.file, bytes));
      const before = this.snapshot;
      this.snapshot = { profile: decoded, revision };
      this.text = text;
      this.lastSeen = revision;
      this.emit({ kind: 'changed', snapshot: this.snapshot, origin: 'write' });
      await this.record(origin, before, this.snapshot, change);
      return this.snapshot;
    });
  }

  arrange(profile: Profile, diff: ProfileDiff): Profile {
    const { kept, added } = diff.authorizedIpRanges;
    // Entries listed twice are left as given (the edit then reads back in another order, which is fine).
    if (this.options.format !== 'list' || kept.length + added.length !== profile.authorizedIpRanges.length) return profile;
    return { ...profile, authorizedIpRanges: [...kept, ...added] };
  }

  /** The file's new bytes, what they read back as, and a list file's text (the next edit starts from it). */
  private encode(profile: Profile, diff: ProfileDiff): { text: string | undefined; bytes: Uint8Array; decoded: Profile } {
    const { file, format, check } = this.options;
    if (format === 'json') {
      checkEncodable(format, profile, file);
      // The bytes straight from the profile (a large profile's text is never built as a string).
      const bytes = this.json.encode(profile);
      const decoded = writtenJsonProfile(profile, check) ?? decodeProfile(format, Buffer.from(bytes).toString('utf8'), file, check);
      return { text: undefined, bytes, decoded };
    }
    const listed = this.encodeList(profile, diff);
    return { ...listed, bytes: Buffer.from(listed.text, 'utf8') };
  }

  /**
   * A list file is edited in place (by `diff`, from the current text); should the edit not read back as the
   * profile asked for (it always should), the file is written from the profile instead.
   */
  private encodeList(profile: Profile, diff: ProfileDiff): { text: string; decoded: Profile } {
    const { file, format, check } = this.options;
    checkEncodable(format, profile, file);
    const current = this.text ?? encodeProfile(format, this.snapshot.profile, file);
    const appended = appendedListText(current, this.snapshot.profile, profile, diff.authorizedIpRanges, file, check);
    if (appended !== undefined) return appended;
    const edited = editListText(current, profile, diff.authorizedIpRanges);
    try {
      const decoded = decodeProfile(format, edited, file, check);
      if (readsAs(decoded, profile, diff.authorizedIpRanges)) return { text: edited, decoded };
    } catch {
      // fall through to a fresh write, which reports what is wrong with the profile itself
    }
    const text = encodeProfile(format, profile, file);
    return { text, decoded: decodeProfile(format, text, file, check) };
  }

  history(query: HistoryQuery): Promise<ChangeRecord[]> {
    return this.historyFile.read().then(
      (records) => newestFirst(records, query),
      (error: unknown) => {
        throw new IpgateError('ERR_HISTORY_READ', `Cannot read the history file "${this.historyFile.file}": ${describeFileError(error)}`, { input: this.historyFile.file });
      },
    );
  }

  /** Appends the record of a change (a failure is a warning: the change itself is made). */
  private async record(origin: ChangeOrigin, before: StoreSnapshot, after: StoreSnapshot, diff?: ProfileDiff): Promise<void> {
    const record = changeRecord({ time: Date.now(), profile: PROFILE_NAME, origin, before: before.profile, after: after.profile, revisionBefore: before.revision, revisionAfter: after.revision, diff });
    try {
      await this.historyFile.append(record);
    } catch (error) {
      this.emit({ kind: 'warning', error: new IpgateError('ERR_HISTORY_WRITE', `The change to revision ${after.revision} is in force but its history record could not be written to "${this.historyFile.file}": ${describeFileError(error)}`, { input: this.historyFile.file }) });
      return;
    }
    this.emit({ kind: 'recorded', record });
  }

  watch(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  refresh(): Promise<void> {
    return this.serialize(() => this.readNow(true));
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    this.listeners.clear();
    await this.queue.catch(() => undefined);
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private emit(event: StoreEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private startWatching(): void {
    const name = basename(this.options.file);
    // The directory is watched, not the file: an atomic rename (ours or an editor's) replaces the inode.
    this.watcher = watch(dirname(this.options.file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.serialize(() => this.readNow());
      }, this.options.debounceMs ?? 30);
    });
    this.watcher.on('error', () => undefined);
  }

  /** Reads the file; adopts it when good and new, reports it when bad (once per content unless forced). */
  private async readNow(force = false): Promise<void> {
    let text: string;
    // Taken before the read: should the file change in between, it is read again. The file as this store
    // last wrote or read it is not read again (the watcher also reports the store's own writes).
    const seen = await identityOf(this.options.file);
    if (!force && seen !== undefined && seen === this.identity) return;
    try {
      text = await readFile(this.options.file, 'utf8');
      this.identity = seen;
    } catch (error) {
      const reason = describeFileError(error);
      if (force || this.lastSeen !== `missing:${reason}`) {
        this.lastSeen = `missing:${reason}`;
        this.emit({ kind: 'rejected', error: new IpgateError('ERR_STORE_READ', `Cannot read store file "${this.options.file}": ${reason}; the last good profile stays in force`, { input: this.options.file }) });
      }
      return;
    }
    const revision = revisionOf(text);
    if (revision === this.lastSeen && !force) return;
    this.lastSeen = revision;
    if (revision === this.snapshot.revision) return;
    let profile: Profile;
    try {
      profile = decodeProfile(this.options.format, text, this.options.file, this.options.check);
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_STORE_INVALID', String(error));
      this.emit({ kind: 'rejected', error: e });
      return;
    }
    const before = this.snapshot;
    this.snapshot = { profile, revision };
    this.text = text;
    this.emit({ kind: 'changed', snapshot: this.snapshot, origin: 'external' });
    // Edited behind the store's back: recorded here unless an instance sharing the file already did.
    const path = force ? 'sighup' : 'file';
    if (!(await this.historyFile.recorded(etag(revision)).catch(() => false))) await this.record({ actor: path, address: null, path }, before, this.snapshot);
  }
}
