/**
 * The embedded store: the profile in one file (JSON, or a ranges list file), written atomically and watched
 * for edits on disk. A file that fails to parse or validate is refused (reported as 'rejected'); the last
 * good profile stays in force.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';
import type { ProfileCheck } from '../policy/validate.js';
import type { StoreFormat } from '../config/types.js';
import { removeStaleTempFiles, writeFileAtomic } from '../fs/atomic-write.js';
import { decodeProfile, encodeProfile, revisionOf } from './codec.js';
import type { ProfileStore, StoreEvent, StoreListener, StoreSnapshot } from './types.js';
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

  private constructor(private readonly options: FileStoreOptions, snapshot: StoreSnapshot) {
    this.description = `${options.format === 'json' ? 'file' : 'ranges file'} ${options.file}`;
    this.snapshot = snapshot;
    this.lastSeen = snapshot.revision;
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
    const store = new FileStore(options, { profile, revision: revisionOf(text) });
    store.startWatching();
    return store;
  }

  get(): StoreSnapshot {
    return this.snapshot;
  }

  compareAndSwap(expectedRevision: string, profile: Profile): Promise<StoreSnapshot> {
    return this.serialize(async () => {
      await this.readNow();
      if (expectedRevision !== this.snapshot.revision) {
        throw new IpgateError('ERR_PRECONDITION', `The profile changed since revision "${expectedRevision}" (now "${this.snapshot.revision}"); read it again and retry`, {
          input: expectedRevision,
        });
      }
      const text = encodeProfile(this.options.format, profile, this.options.file);
      const decoded = decodeProfile(this.options.format, text, this.options.file, this.options.check);
      const revision = revisionOf(text);
      if (revision === this.snapshot.revision) return this.snapshot;
      await writeFileAtomic(this.options.file, text);
      this.snapshot = { profile: decoded, revision };
      this.lastSeen = revision;
      this.emit({ kind: 'changed', snapshot: this.snapshot, origin: 'write' });
      return this.snapshot;
    });
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
    try {
      text = await readFile(this.options.file, 'utf8');
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
    this.snapshot = { profile, revision };
    this.emit({ kind: 'changed', snapshot: this.snapshot, origin: 'external' });
  }
}
