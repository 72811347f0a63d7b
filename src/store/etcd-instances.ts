/**
 * Publishes this instance's record in etcd and lists the fleet's. The record lives at
 * `<prefix>instances/<id>`, attached to a lease of `ttlSeconds`: it is written again (and the lease kept
 * alive) every `intervalMs`, and revoked on a clean stop, so a dead instance disappears within the TTL. A
 * failed write drops the lease; the next beat grants a new one (etcd unreachable meanwhile changes nothing
 * else: the record is best effort, never a reason to stop enforcing).
 */
import type { Etcd3, Lease } from 'etcd3';
import { parseInstanceRecord, type InstanceRecord } from './instances.js';

export interface EtcdInstancesOptions {
  readonly client: Etcd3;
  readonly prefix: string;
  readonly ttlSeconds?: number;
  readonly intervalMs?: number;
}

export function instancesPrefix(prefix: string): string {
  return `${prefix}instances/`;
}

export class EtcdInstances {
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private record: (() => InstanceRecord) | undefined;
  private beating: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: EtcdInstancesOptions) {}

  /** Starts publishing the record `record()` returns (read at every beat). */
  publish(record: () => InstanceRecord): void {
    this.record = record;
    if (this.timer === undefined) this.beat();
  }

  /** Writes the record now (after a change worth showing at once, e.g. a new revision enforced). */
  refresh(): void {
    void this.write();
  }

  private beat(): void {
    if (this.closed) return;
    void this.write().finally(() => {
      if (!this.closed) this.timer = setTimeout(() => this.beat(), this.options.intervalMs ?? 2000);
    });
  }

  private write(): Promise<void> {
    this.beating ??= this.writeOnce().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async writeOnce(): Promise<void> {
    const make = this.record;
    if (make === undefined || this.closed) return;
    const record = make();
    try {
      let lease = this.lease;
      if (lease === undefined) {
        const granted = this.options.client.lease(this.options.ttlSeconds ?? 10, { autoKeepAlive: false });
        granted.on('lost', () => {
          if (this.lease === granted) this.lease = undefined;
        });
        this.lease = lease = granted;
        await granted.grant();
      } else {
        await lease.keepaliveOnce();
      }
      await lease.put(`${instancesPrefix(this.options.prefix)}${record.id}`).value(JSON.stringify(record)).exec();
    } catch {
      const lease = this.lease;
      this.lease = undefined;
      lease?.release();
    }
  }

  /** Every instance record under the prefix (records that do not parse are left out). */
  async list(): Promise<InstanceRecord[]> {
    const kvs = await this.options.client.getAll().prefix(instancesPrefix(this.options.prefix)).strings();
    const out: InstanceRecord[] = [];
    for (const text of Object.values(kvs)) {
      const record = parseInstanceRecord(text);
      if (record !== undefined) out.push(record);
    }
    return out;
  }

  /** Stops publishing and removes the record (revokes its lease), waiting at most `waitMs`. */
  async close(waitMs = 1000): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.beating?.catch(() => undefined);
    const lease = this.lease;
    this.lease = undefined;
    if (lease !== undefined) {
      await Promise.race([lease.revoke().catch(() => undefined), new Promise((r) => setTimeout(r, waitMs))]);
    }
  }
}
