/**
 * The nftables data plane: the kernel enforces, no process carries a connection. ipgate owns
 * `table inet ipgate` and keeps its sets equal to the profile in force: every generation is one `nft -f`
 * transaction (small changes touch only the small difference sets), then the changed sets are read back and
 * compared; a difference is ERR_NFT_DRIFT, logged, counted and repaired by writing the whole table again.
 * The whole table is also read back every `verifyIntervalMs`, so a set or rule changed by hand is found and
 * repaired the same way. Open connections the new profile refuses are cut (ss -K, conntrack -D). With
 * `dataplane.log`, refusals the kernel logs to an NFLOG group are written to the audit log.
 *
 * Fail-static: stopping (or crashing) leaves the table in place, so the kernel keeps enforcing the last
 * list; `ipgate nft remove` takes it down.
 */
import type { Registry } from 'prom-client';
import { formatEndpoint } from '../config/address.js';
import type { GatewayConfig, ListenerConfig, NftablesDataplaneConfig } from '../config/types.js';
import { IpgateError } from '../errors.js';
import { openAuditLog, type AuditLog } from '../runtime/audit-log.js';
import type { CompiledProfile } from '../policy/decide.js';
import type { BoundListener, DataPlane } from '../runtime/dataplane.js';
import type { Logger } from '../runtime/log.js';
import type { ProfileGeneration, ProfileState } from '../runtime/profile-state.js';
import { driftOf } from './drift.js';
import { AllowedSets } from './allowed-sets.js';
import { intervalCount, narrows, type FamilySets } from './elements.js';
import { registerNftMetrics } from './metrics.js';
import { atListener } from './connections.js';
import { NflogReader, type LoggedPacket } from './nflog.js';
import { NftCli } from './nft.js';
import { parseListing, type ListedSet, type TableListing } from './readback.js';
import { Revoker } from './revoker.js';
import { counterName, createTable, replaceSets, setName, TABLE, type NftListener, type RulesetOptions, type SetContents } from './ruleset.js';
import { emptyContents, plan } from './update-plan.js';
import { EMPTY_V4 } from '../cidr/intervals-v4.js';

const RETRY_MS = 2000;
/**
 * Above this many elements a listing costs nft about a second or more of CPU (nft 1.0 fetches every set's
 * elements for any listing but a single set's), so metrics use the counters of the last read-back instead.
 */
const FRESH_COUNTERS_UP_TO = 20_000;

export interface NftCounters {
  /** Transactions that changed the sets, by kind. */
  updates: { delta: number; full: number };
  failures: number;
  drifts: number;
  repairs: number;
  /** Connections cut by a change, by listener. */
  revoked: Map<string, number>;
  conntrackDeleted: number;
  /** Refusals read from the NFLOG group (the rate-limited log rule). */
  logged: number;
}

export interface ListenerCount {
  readonly listener: string;
  readonly allowed: number;
  readonly refused: number;
}

export class NftDataPlane implements DataPlane {
  readonly listeners: BoundListener[];
  /** No connection passes through ipgate. */
  readonly openConnections = 0;
  readonly counters: NftCounters = { updates: { delta: 0, full: 0 }, failures: 0, drifts: 0, repairs: 0, revoked: new Map(), conntrackDeleted: 0, logged: 0 };
  readonly nft: NftCli;
  private readonly options: RulesetOptions;
  private readonly enforced: readonly ListenerConfig[];
  private readonly revoker: Revoker;
  /** What the kernel holds (as written and read back). */
  private contents: SetContents = emptyContents({ 4: EMPTY_V4, 6: [] });
  /** The sets of the last profile planned, kept so the next generation's are computed incrementally. */
  private readonly allowed = new AllowedSets();
  /** The sources the last generation applied by a change admits (undefined after a whole-table write). */
  private admitted: FamilySets | undefined;
  /** The table's shape as read back right after ipgate wrote it. */
  private shape: string | undefined;
  private appliedGeneration = 0;
  /** The generation the kernel enforces (written and read back). */
  private inForce: ProfileGeneration | undefined;
  private lastError: IpgateError | undefined;
  private up = false;
  private stopped = false;
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private verifyTimer: NodeJS.Timeout | undefined;
  private countersCache: { at: number; value: Promise<ListenerCount[]> } | undefined;
  /** The counters as of the last whole-table read-back. */
  private readCounters: ReadonlyMap<string, number> = new Map();
  /** With `dataplane.log`: the audit log the logged refusals go to, and their reader. */
  private readonly audit: AuditLog | undefined;
  private reader: NflogReader | undefined;

  private constructor(
    private readonly config: GatewayConfig,
    readonly dataplane: NftablesDataplaneConfig,
    private readonly state: ProfileState,
    private readonly log: Logger,
  ) {
    this.nft = new NftCli(dataplane.binary);
    this.enforced = config.listeners.filter((l) => l.enforce);
    const listeners: NftListener[] = [];
    config.listeners.forEach((l, index) => {
      if (l.enforce) listeners.push({ index, name: l.name, address: l.address });
    });
    this.options = { listeners, hooks: dataplane.hooks, refuse: dataplane.refuse, log: dataplane.log };
    this.revoker = new Revoker(this.enforced);
    this.listeners = config.listeners.map((l) => ({ name: l.name, address: formatEndpoint(l.address.host, l.address.port), enforce: l.enforce }));
    if (dataplane.log !== undefined) this.audit = openAuditLog(config.auditLog, { log });
  }

  /** Writes the table for the profile in force and reads it back; throws (ERR_NFT_*) when that fails. */
  static async start(config: GatewayConfig, dataplane: NftablesDataplaneConfig, state: ProfileState, log: Logger): Promise<NftDataPlane> {
    const plane = new NftDataPlane(config, dataplane, state, log);
    const started = Date.now();
    await plane.install(state.current);
    plane.up = true;
    log('info', 'nft-table-written', { table: `inet ${TABLE}`, generation: state.current.generation, elements: plane.elements, hooks: dataplane.hooks, ms: Date.now() - started });
    plane.verifyTimer = setInterval(() => void plane.verify().catch(() => undefined), dataplane.verifyIntervalMs);
    plane.verifyTimer.unref();
    plane.unsubscribe = state.subscribe(() => void plane.apply().catch(() => undefined));
    if (dataplane.log !== undefined) plane.readLog(dataplane.log.group);
    return plane;
  }

  get healthy(): boolean {
    return this.up && !this.stopped;
  }

  get applied(): number {
    return this.appliedGeneration;
  }

  /** Elements in the sets ipgate wrote (all six). */
  get elements(): number {
    let n = 0;
    for (const sets of [this.contents.allow, this.contents.added, this.contents.removed]) n += intervalCount(sets[4]) + sets[6].length;
    return n;
  }

  /** Runs `task` after every earlier nft operation of this plane (one transaction at a time). */
  private queue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.chain.then(task, task);
    this.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Queues the profile in force (newest wins); resolves when it is applied or has failed. */
  apply(): Promise<void> {
    return this.queue(async () => {
      const current = this.state.current;
      if (current.generation === this.appliedGeneration || this.stopped) return;
      await this.applyGeneration(current);
    });
  }

  async settled(): Promise<void> {
    await this.apply().catch(() => undefined);
    if (this.appliedGeneration !== this.state.current.generation) {
      throw this.lastError ?? new IpgateError('ERR_NFT_UNAVAILABLE', `The profile is stored but table inet ${TABLE} does not hold it yet`);
    }
  }

  /** The whole table, written in one transaction and read back. */
  private async install(generation: ProfileGeneration): Promise<void> {
    const contents = emptyContents(this.allowed.of(generation.compiled));
    const before = await this.nft.list(['counters', 'table', 'inet', TABLE]).catch(() => undefined);
    await this.nft.apply(createTable(this.options, contents, before === undefined ? undefined : parseListing(before).counters));
    const listing = await this.readTable();
    const problems = listing === undefined ? [`table inet ${TABLE} is missing`] : driftOf(listing, contents, undefined);
    if (listing === undefined || problems.length > 0) {
      throw new IpgateError('ERR_NFT_DRIFT', `table inet ${TABLE} read back right after writing it differs: ${problems.join('; ')}`, {
        suggestion: 'another program changes the table at the same time; ipgate must be the only writer of table inet ipgate',
      });
    }
    this.shape = listing.shape;
    this.readCounters = listing.counters;
    this.contents = contents;
    this.admitted = undefined; // (the next change looks at the open connections whatever it is)
    this.appliedGeneration = generation.generation;
    this.inForce = generation;
  }

  private async applyGeneration(generation: ProfileGeneration): Promise<void> {
    const started = Date.now();
    const cpu = process.cpuUsage();
    const admitted = this.allowed.of(generation.compiled);
    const step = plan(this.contents, admitted);
    const plannedMs = Date.now() - started;
    // CPU time apart from the wall time: on a loaded host the wall time is mostly waiting for a core.
    const plannedCpu = process.cpuUsage(cpu);
    const plannedCpuMs = Math.round((plannedCpu.user + plannedCpu.system) / 1000);
    const incremental = this.allowed.reused;
    try {
      if (step.changes.length > 0) await this.nft.applyQuick(replaceSets(step.changes));
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_NFT_REFUSED', String(error));
      this.lastError = e;
      this.counters.failures++;
      this.up = false;
      this.log('error', 'nft-apply-failed', { code: e.code, problem: e.message, generation: generation.generation, kept: this.appliedGeneration });
      // The table may have been changed by hand (a set or the table deleted): read it back now.
      void this.verify().catch(() => undefined);
      this.scheduleRetry();
      throw e;
    }
    const enforcedMs = Date.now() - started;
    this.contents = step.contents;
    if (step.kind !== 'none') this.counters.updates[step.kind]++;
    // Read back what changed; a difference is drift, repaired by writing the whole table.
    const names = step.changes.map((c) => setName(c.role, c.family));
    let problems: string[] = [];
    if (names.length > 0) {
      try {
        problems = driftOf(await this.readSets(names), step.contents, undefined, names);
      } catch (error) {
        problems = [`the changed sets cannot be read back: ${error instanceof Error ? error.message : String(error)}`];
      }
    }
    this.appliedGeneration = generation.generation;
    this.inForce = generation;
    this.lastError = undefined;
    this.up = true;
    if (problems.length > 0) await this.repair(problems);
    this.log('info', 'nft-applied', { generation: generation.generation, kind: step.kind, changedSets: names, elements: this.elements, incremental, plannedMs, plannedCpuMs, enforcedMs, ms: Date.now() - started });
    // A change that only admits more cuts nothing: no need to look at the open connections.
    const before = this.admitted;
    this.admitted = admitted;
    if (this.config.revokeExisting && (before === undefined || narrows(before, admitted))) await this.revoke(generation.compiled);
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.apply().catch(() => undefined);
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  private async readTable(): Promise<TableListing | undefined> {
    const json = await this.nft.list(['table', 'inet', TABLE]);
    return json === undefined ? undefined : parseListing(json);
  }

  /**
   * Some sets, read back one by one through nft's long-lived session (each listing is filtered to its set,
   * which is fast beside a big one).
   */
  private async readSets(names: readonly string[]): Promise<TableListing> {
    const listings: (string | undefined)[] = [];
    for (const name of names) listings.push(await this.nft.listSetQuick(name));
    const sets = new Map<string, ListedSet>();
    for (const json of listings) {
      if (json === undefined) continue;
      for (const [name, set] of parseListing(json).sets) sets.set(name, set);
    }
    return { sets, counters: new Map(), shape: '' };
  }

  /**
   * Reads the whole table back and compares it with what ipgate wrote; repairs a difference (queued with
   * the changes, so it never interleaves with one).
   */
  verify(): Promise<string[]> {
    return this.queue(async () => {
      if (this.stopped || this.inForce === undefined) return [];
      let problems: string[];
      try {
        const listing = await this.readTable();
        problems = listing === undefined ? [`table inet ${TABLE} is missing`] : driftOf(listing, this.contents, this.shape);
        if (listing !== undefined) this.readCounters = listing.counters;
      } catch (error) {
        const e = error instanceof IpgateError ? error : new IpgateError('ERR_NFT_UNAVAILABLE', String(error));
        this.up = false;
        this.log('error', 'nft-verify-failed', { code: e.code, problem: e.message });
        return [e.message];
      }
      if (problems.length > 0) await this.repair(problems);
      return problems;
    });
  }

  /**
   * Logs and counts a drift, then writes the whole table again: for the newest profile, or, when nft refuses
   * that, for the one in force before.
   */
  private async repair(problems: readonly string[]): Promise<void> {
    this.counters.drifts++;
    const inForce = this.inForce;
    try {
      try {
        await this.install(this.state.current);
      } catch (error) {
        if (inForce === undefined || this.state.current.generation === this.appliedGeneration) throw error;
        await this.install(inForce);
      }
      this.counters.repairs++;
      this.up = true;
      this.log('error', 'nft-drift', { code: 'ERR_NFT_DRIFT', problem: `table inet ${TABLE} differs from the profile in force: ${problems.join('; ')}`, repaired: true, generation: this.appliedGeneration });
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_NFT_REFUSED', String(error));
      this.up = false;
      this.lastError = e;
      this.log('error', 'nft-drift', {
        code: 'ERR_NFT_DRIFT',
        problem: `table inet ${TABLE} differs from the profile in force: ${problems.join('; ')}; repairing failed: ${e.code}: ${e.message}`,
        repaired: false,
      });
    }
  }

  /** Cuts open connections whose source the profile refuses; returns how many sockets were destroyed. */
  async revoke(compiled: CompiledProfile): Promise<number> {
    const started = Date.now();
    const result = await this.revoker.revoke(compiled);
    let count = 0;
    for (const [listener, n] of result.sockets) {
      count += n;
      this.counters.revoked.set(listener, (this.counters.revoked.get(listener) ?? 0) + n);
    }
    this.counters.conntrackDeleted += result.conntrack;
    if (count > 0 || result.conntrack > 0) this.log('info', 'connections-revoked', { count, conntrack: result.conntrack, dataplane: 'nftables', ms: Date.now() - started });
    if (result.problems.length > 0) this.log('warn', 'revoke-incomplete', { problem: result.problems.join('; ') });
    return count;
  }

  /**
   * New connections allowed and refused per enforced listener, from the table's counters: read at scrape
   * time (cached 0.5 s) for tables up to FRESH_COUNTERS_UP_TO elements, else as of the last read-back.
   */
  decisions(): Promise<ListenerCount[]> {
    const per = (counters: ReadonlyMap<string, number>): ListenerCount[] =>
      this.options.listeners.map((l) => ({
        listener: l.name,
        allowed: counters.get(counterName('allowed', l.index)) ?? 0,
        refused: counters.get(counterName('refused', l.index)) ?? 0,
      }));
    if (this.elements > FRESH_COUNTERS_UP_TO) return Promise.resolve(per(this.readCounters));
    const now = Date.now();
    if (this.countersCache === undefined || now - this.countersCache.at > 500) {
      const value = this.nft.list(['counters', 'table', 'inet', TABLE]).then(
        (json) => per(json === undefined ? new Map<string, number>() : parseListing(json).counters),
        () => per(this.readCounters),
      );
      this.countersCache = { at: now, value };
    }
    return this.countersCache.value;
  }

  /** Established connections per enforced listener (the kernel's sockets on this host). */
  async active(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const l of this.enforced) out.set(l.name, 0);
    for (const t of (await this.revoker.established()).tuples) out.set(t.listener, (out.get(t.listener) ?? 0) + 1);
    return out;
  }

  /** Refusals the kernel logged: one audit line each (the log rule and the audit log both rate-limit). */
  private readLog(group: number): void {
    this.reader = new NflogReader(
      group,
      (packet: LoggedPacket) => {
        const listener = this.enforced.find((l) => atListener(packet.destination, packet.port, l.address));
        if (listener === undefined || this.inForce === undefined) return;
        let reason: string;
        try {
          reason = this.inForce.compiled.decide(packet.source).reason;
        } catch {
          return;
        }
        this.counters.logged++;
        this.audit?.record(listener.name, packet.source, 'refused', reason);
      },
      (problem) => this.log('error', 'nflog-read-failed', { code: 'ERR_NFT_UNAVAILABLE', group, problem }),
    );
    this.reader.start();
  }

  /** SIGHUP: reopen the audit log file (after a rotation); the table is ipgate's own and checked on a timer. */
  reload(): void {
    try {
      this.audit?.reopen();
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_AUDIT_LOG', String(error));
      this.log('error', 'audit-log-error', { code: e.code, problem: `${e.message}; still writing to the file opened before` });
    }
  }

  registerMetrics(registry: Registry): void {
    registerNftMetrics(registry, this);
  }

  /** Stops following the profile; the table stays (fail-static): the kernel keeps enforcing the last list. */
  async stop(): Promise<{ drained: boolean; closed: number }> {
    this.unsubscribe?.();
    this.stopped = true;
    if (this.verifyTimer !== undefined) clearInterval(this.verifyTimer);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.reader?.stop();
    await this.chain;
    this.nft.close();
    await this.audit?.close();
    return { drained: true, closed: 0 };
  }
}
