/**
 * Writes of the etcd store: compare-and-swap transactions on a key's mod revision, each also recording that
 * the profile has existed (etcd-keys.ts) and putting the change's history record (etcd-history.ts), and
 * settled when etcd's answer is lost.
 *
 * A write whose answer is lost (a timeout, the connection cut after sending) may or may not have been
 * applied. It is settled before answering: the same compare-and-swap is sent again once etcd answers. Either
 * it applies now (and the lost one can never apply later, its compare fails), or the key already holds this
 * very value (the lost one applied), or the outcome stays unknown and is reported as such
 * (ERR_STORE_OUTCOME_UNKNOWN), never as "nothing changed".
 */
import type { Etcd3 } from 'etcd3';
import { IpgateError } from '../errors.js';
import { etcdErrorText } from './etcd-error-text.js';
import { CREATED_VALUE, createdKey, nameOfKey } from './etcd-keys.js';
import type { ExtraPut } from './etcd-history.js';

export function outcomeUnknown(description: string, detail: string, key: string): IpgateError {
  return new IpgateError('ERR_STORE_OUTCOME_UNKNOWN', `The profile store (${description}) did not confirm the write (${detail}): the change may or may not be in force`, {
    input: key,
    suggestion: "read the profile again ('ipgate ranges show', or GET /v1/profile and its ETag) to see whether the change is there before repeating it",
  });
}

/** Nothing was sent: certain that nothing changed. */
export function unavailable(description: string, detail: string): IpgateError {
  return new IpgateError('ERR_STORE_UNAVAILABLE', `The profile store (${description}) cannot be reached (${detail}); nothing was changed`, {
    suggestion: 'retry when etcd is back; the gateway keeps enforcing the last good profile meanwhile',
  });
}

export function stale(expected: string, now: string): IpgateError {
  return new IpgateError('ERR_PRECONDITION', `The profile changed since revision "${expected}" (now "${now}"); read it again and retry`, { input: expected });
}

function messageOf(error: unknown): string {
  return etcdErrorText(error instanceof Error ? error.message : String(error));
}

export interface EtcdWriterOptions {
  readonly client: Etcd3;
  readonly prefix: string;
  /** The profile of keys that are not a profile key (never in practice; the marker needs a name). */
  readonly profileName: string;
  /** The store, for messages. */
  readonly description: string;
  /** How long a write whose answer was lost is retried to learn its outcome. */
  readonly outcomeTimeoutMs: number;
  /** Told whenever a call shows etcd reachable or not. */
  readonly reachable: (up: boolean, detail?: string) => void;
  readonly closed: () => boolean;
}

type TxnResult = Awaited<ReturnType<ReturnType<Etcd3['if']>['commit']>>;

export class EtcdWriter {
  constructor(private readonly options: EtcdWriterOptions) {}

  /**
   * Writes `text` at `key` if its mod revision is still `compare` (0: absent), with `extra` puts in the same
   * transaction; resolves to the new revision.
   */
  async swap(key: string, compare: number, text: string, expected: string, extra: readonly ExtraPut[] = []): Promise<number> {
    const { description, reachable, closed } = this.options;
    if (closed()) throw unavailable(description, 'the store is closed');
    let result: TxnResult;
    try {
      result = await this.txn(key, compare, text, extra);
    } catch (error) {
      // Sent, but no answer: it may have been applied. Find out before answering.
      reachable(false, messageOf(error));
      return this.settle(key, compare, text, extra, messageOf(error));
    }
    if (!result.succeeded) throw stale(expected, 'newer');
    return Number(result.header.revision);
  }

  /** The transaction: `text` at `key` if its mod revision is still `compare`, with the key's created-marker. */
  private txn(key: string, compare: number, text: string, extra: readonly ExtraPut[]): Promise<TxnResult> {
    const { client, prefix, profileName } = this.options;
    const name = nameOfKey(prefix, key) ?? profileName;
    return client
      .if(key, 'Mod', '==', compare)
      .then(client.put(key).value(text), client.put(createdKey(prefix, name)).value(CREATED_VALUE), ...extra.map((p) => client.put(p.key).value(p.value)))
      .commit();
  }

  /** Learns the outcome of a write whose answer was lost (see the module header); resolves to its revision. */
  private async settle(key: string, compare: number, text: string, extra: readonly ExtraPut[], firstError: string): Promise<number> {
    const { client, description, reachable, closed } = this.options;
    const deadline = Date.now() + this.options.outcomeTimeoutMs;
    let last = firstError;
    while (!closed() && Date.now() < deadline) {
      try {
        const again = await this.txn(key, compare, text, extra);
        reachable(true);
        if (again.succeeded) return Number(again.header.revision);
        const kv = (await client.get(key).exec()).kvs[0];
        if (kv !== undefined && kv.value.toString('utf8') === text) return Number(kv.mod_revision);
        // The key moved on to another value: the lost write was either never applied or applied and then
        // overwritten; etcd cannot tell which.
        throw outcomeUnknown(description, 'the profile was changed by another writer meanwhile', key);
      } catch (error) {
        if (error instanceof IpgateError) throw error;
        last = messageOf(error);
        reachable(false, last);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    throw outcomeUnknown(description, `no answer from etcd: ${last}`, key);
  }
}
