/**
 * The etcd store's change history: one key per change under `<prefix>history/<profile>/`, its record as JSON.
 *
 * - A write through ipgate puts its record in the same transaction as the new value (so no change exists
 *   without its record), at `<revision before, 20 digits>` (`00000000000000000000-<random>` when it creates
 *   the profile). Its ETag after is the record key's own mod revision, which the transaction makes the same
 *   as the profile key's.
 * - A value written to etcd by hand is recorded by the instances that see it in their watch: a record whose
 *   mod revision is the change's (as of that revision, so a record trimmed since still counts) means it was a
 *   write through ipgate (recorded already); otherwise each
 *   instance writes the record only if its key (`<revision before>`, or `00000000000000000000-<revision>`
 *   when the key had no value before) does not exist yet, so it is recorded once, identically for all.
 * - Each profile keeps its newest HISTORY_KEEP records (by default): once there are a twentieth more, the
 *   writer deletes the oldest.
 */
import { randomBytes } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import type { Profile } from '../policy/profile.js';
import type { ProfileDiff } from '../policy/profile-diff.js';
import { historyPrefix, revisionPart } from './etcd-keys.js';
import { changeRecord, etag, HISTORY_KEEP, parseRecord, revisionNumber, type ChangeOrigin, type ChangeRecord, type HistoryQuery } from './history.js';


/** A put of the transaction that makes a change. */
export interface ExtraPut {
  readonly key: string;
  readonly value: string;
}

/** One state of the profile key as etcd reported it. */
export interface KeyState {
  readonly modRevision: number;
  readonly value: string;
}

export class EtcdHistory {
  /** Trimming starts this many records past `keep` (so not every write deletes one). */
  private readonly slack: number;

  constructor(private readonly client: Etcd3, private readonly prefix: string, private readonly keep: number = HISTORY_KEEP) {
    this.slack = Math.ceil(keep / 20);
  }

  /**
   * The record of a write through ipgate, as the put of its transaction, and the record as it will read once
   * the transaction committed at revision `after` (`complete`).
   */
  ownRecord(input: { name: string; compare: number; origin: ChangeOrigin; before: Profile | undefined; after: Profile; diff?: ProfileDiff | undefined }): { put: ExtraPut; complete: (after: number) => ChangeRecord } {
    const { name, compare, origin, before, after, diff } = input;
    const record = changeRecord({ time: Date.now(), profile: name, origin, before, after, revisionBefore: compare > 0 ? String(compare) : undefined, revisionAfter: '0', diff });
    // Stored without the ETag after: the key's own mod revision is it (known once the transaction commits).
    const stored: Record<string, unknown> = { ...record };
    delete stored['etagAfter'];
    const part = compare > 0 ? revisionPart(compare) : `${revisionPart(0)}-${randomBytes(6).toString('hex')}`;
    return {
      put: { key: `${historyPrefix(this.prefix, name)}${part}`, value: JSON.stringify(stored) },
      complete: (revision) => ({ ...record, etagAfter: etag(String(revision)) }),
    };
  }

  /**
   * Records a change this instance saw in its watch (`now`, and the value `before` it), unless it is
   * recorded already. Resolves to the record when this instance wrote it, else undefined.
   */
  async recordNoticed(input: { name: string; now: KeyState; before: KeyState | undefined; decode: (value: string) => Profile | undefined }): Promise<ChangeRecord | undefined> {
    const { name, now, before, decode } = input;
    const prefix = historyPrefix(this.prefix, name);
    if (await this.writtenWith(prefix, now.modRevision)) return undefined; // a write through ipgate, recorded in its own transaction
    const after = decode(now.value);
    if (after === undefined) return undefined; // a refused value is no accepted change
    const record = changeRecord({
      time: Date.now(),
      profile: name,
      origin: { actor: 'etcd', address: null, path: 'etcd' },
      before: before === undefined ? undefined : decode(before.value),
      after,
      revisionBefore: before === undefined ? undefined : String(before.modRevision),
      revisionAfter: String(now.modRevision),
    });
    const key = `${prefix}${before === undefined ? `${revisionPart(0)}-${revisionPart(now.modRevision)}` : revisionPart(before.modRevision)}`;
    const result = await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(JSON.stringify(record))).commit();
    return result.succeeded ? record : undefined;
  }

  /**
   * Whether a record was written in the transaction of the change at `revision`. Read as of that revision,
   * so a record trimmed since (a watch that notices late, behind a burst of writes) still counts and the
   * change is not recorded a second time as a hand edit; where etcd has compacted that revision away, the
   * records as they are now decide.
   */
  private async writtenWith(prefix: string, revision: number): Promise<boolean> {
    const records = () => this.client.getAll().prefix(prefix).minModRevision(revision).maxModRevision(revision);
    try {
      return (await records().revision(revision).keys()).length > 0;
    } catch {
      return (await records().keys()).length > 0;
    }
  }

  /** Deletes the oldest records of `name` beyond `keep`. */
  async trim(name: string): Promise<void> {
    const prefix = historyPrefix(this.prefix, name);
    const count = await this.client.getAll().prefix(prefix).count();
    if (count <= this.keep + this.slack) return;
    // Everything but the newest `keep` as listed now: trims running at once (one per write) never delete
    // more than that, as counting then deleting "the oldest count - keep" would.
    const oldest = (await this.client.getAll().prefix(prefix).sort('Mod', 'Descend').keys()).slice(this.keep);
    for (let i = 0; i < oldest.length; i += 20) {
      await Promise.all(oldest.slice(i, i + 20).map((key) => this.client.delete().key(key)));
    }
  }

  /** The newest records (of one profile, or of all), newest first. */
  async read(query: HistoryQuery): Promise<ChangeRecord[]> {
    // Newest by mod revision (a record noticed in a watch is written just after its change), then in
    // the order of the revision each change made.
    const response = await this.client.getAll().prefix(historyPrefix(this.prefix, query.profile)).sort('Mod', 'Descend').limit(query.limit + 20).exec();
    const records: ChangeRecord[] = [];
    for (const kv of response.kvs) {
      try {
        const record = parseRecord(JSON.parse(kv.value.toString('utf8')), etag(String(kv.mod_revision)));
        if (record !== undefined) records.push(record);
      } catch {
        // not a record
      }
    }
    records.sort((a, b) => revisionNumber(b.etagAfter) - revisionNumber(a.etagAfter));
    return records.slice(0, query.limit);
  }
}
