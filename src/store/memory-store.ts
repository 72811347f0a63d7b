/** A profile held in memory only (no store configured): same contract as the file store; its history too. */
import { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';
import type { ProfileCheck } from '../policy/validate.js';
import { decodeJson, defaultProfileCheck, encodeJson, revisionOf } from './codec.js';
import { writtenJsonProfile } from './written-profile.js';
import { changeRecord, HISTORY_KEEP, newestFirst, type ChangeRecord, type HistoryQuery } from './history.js';
import { DEFAULT_ORIGIN, type ChangeOrigin, type ProfileDiff, type ProfileStore, type StoreEvent, type StoreListener, type StoreSnapshot } from './types.js';

export class MemoryStore implements ProfileStore {
  readonly description = 'memory';
  private snapshot: StoreSnapshot;
  private readonly listeners = new Set<StoreListener>();
  /** The newest HISTORY_KEEP records, oldest first. */
  private readonly records: ChangeRecord[] = [];

  /** `check` validates writes (default: ranges only; the gateway with range sources also accepts references). */
  constructor(profile: Profile, private readonly check: ProfileCheck = defaultProfileCheck) {
    this.snapshot = { profile, revision: revisionOf(encodeJson(profile)) };
  }

  get(): StoreSnapshot {
    return this.snapshot;
  }

  compareAndSwap(expectedRevision: string, profile: Profile, origin: ChangeOrigin = DEFAULT_ORIGIN, diff?: ProfileDiff): Promise<StoreSnapshot> {
    if (expectedRevision !== this.snapshot.revision) {
      return Promise.reject(new IpgateError('ERR_PRECONDITION', `The profile changed since revision "${expectedRevision}" (now "${this.snapshot.revision}"); read it again and retry`, { input: expectedRevision }));
    }
    let text: string;
    let decoded: Profile;
    try {
      // The same rules as every stored value (and a copy, so later changes to the caller's arrays do nothing).
      text = encodeJson(profile);
      decoded = writtenJsonProfile(profile, this.check) ?? decodeJson(text, 'memory', this.check);
    } catch (error) {
      return Promise.reject(error);
    }
    const revision = revisionOf(text);
    if (revision !== this.snapshot.revision) {
      const before = this.snapshot;
      this.snapshot = { profile: decoded, revision };
      const record = changeRecord({ time: Date.now(), profile: 'default', origin, before: before.profile, after: decoded, revisionBefore: before.revision, revisionAfter: revision, diff });
      this.records.push(record);
      if (this.records.length > HISTORY_KEEP) this.records.splice(0, this.records.length - HISTORY_KEEP);
      this.emit({ kind: 'changed', snapshot: this.snapshot, origin: 'write' });
      this.emit({ kind: 'recorded', record });
    }
    return Promise.resolve(this.snapshot);
  }

  history(query: HistoryQuery): Promise<ChangeRecord[]> {
    return Promise.resolve(newestFirst(this.records, query));
  }

  watch(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  refresh(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }

  private emit(event: StoreEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
