/**
 * The running process, assembled: store -> profile state -> data plane (ipgate's own listeners, HAProxy or nftables)
 * (+ range sources, + admin API, + the writer of expired entries' removal). Applies profile changes as they
 * come, logs each recorded change (`profile-changed`), reloads on demand (SIGHUP) and shuts down gracefully.
 * This is the one place that creates the parts and connects them.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AdminApi } from '../admin/handler.js';
import { MetricsServer } from '../admin/metrics-server.js';
import { AdminServer } from '../admin/server.js';
import { readTlsMaterial, type TlsMaterial } from '../admin/tls-material.js';
import { WriteQueue } from '../admin/write-queue.js';
import { loadUiAssets } from '../admin/ui-assets.js';
import { formatEndpoint } from '../config/address.js';
import { loadConfigFile } from '../config/load.js';
import type { GatewayConfig } from '../config/types.js';
import { HaproxyDataPlane } from '../dataplane/haproxy-dataplane.js';
import { IpgateError } from '../errors.js';
import { AddressClassifier } from '../net/address-class.js';
import { ProfileCache } from '../policy/profile-cache.js';
import { NodeDataPlane } from '../gateway/node-dataplane.js';
import { NftDataPlane } from '../nftables/nft-dataplane.js';
import type { BoundListener, DataPlane } from '../runtime/dataplane.js';
import type { Logger } from '../runtime/log.js';
import { buildInfo, registerBuildInfo } from '../runtime/build-info.js';
import { fleetStatus, type FleetStatus } from '../runtime/fleet-status.js';
import { registerProfileMetrics } from '../runtime/profile-metrics.js';
import { ProfileState, type ProfileGeneration } from '../runtime/profile-state.js';
import { newReloadCounters, type ReloadCounters } from '../runtime/reload-counters.js';
import { registerStoreMetrics } from '../store/store-metrics.js';
import type { InstanceRecord } from '../store/instances.js';
import type { ChangeRecord, ProfileStore, StoreEvent } from '../store/types.js';
import { AdminCredentials } from './admin-credentials.js';
import { ExpirySweeper } from './expiry-sweeper.js';
import { openStore } from './open-store.js';
import { startSources, type SourcesBinding } from './sources-binding.js';
import { registerSourceMetrics } from './sources-metrics.js';

export type { BoundListener };

export interface ServerOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** The config file, re-read on reload (absent in the command-line form). */
  readonly configFile?: string;
}

/** The log line of a recorded change. */
function logChange(log: Logger, record: ChangeRecord): void {
  log('info', 'profile-changed', {
    profile: record.profile,
    actor: record.actor,
    address: record.address,
    path: record.path,
    added: record.added,
    removed: record.removed,
    addedCount: record.addedCount,
    removedCount: record.removedCount,
    etagBefore: record.etagBefore,
    etagAfter: record.etagAfter,
  });
}

/** The log lines of a generation that left expired entries out. */
function logExpiry(log: Logger, current: ProfileGeneration): void {
  log('info', 'entries-expired', { generation: current.generation, revision: current.revision, entries: current.expired });
  if (current.egressOnly) {
    log('warn', 'profile-egress-only', { generation: current.generation, problem: 'every authorized entry expired: only the egress ranges may connect (0.0.0.0/32)' });
  }
}

function startDataPlane(config: GatewayConfig, state: ProfileState, log: Logger): Promise<DataPlane> {
  if (config.dataplane?.type === 'nftables') return NftDataPlane.start(config, config.dataplane, state, log);
  if (config.dataplane !== undefined) return HaproxyDataPlane.start(config, config.dataplane, state, log);
  return NodeDataPlane.start(config, state, log);
}

export class IpgateServer {
  adminAddress: string | undefined;
  /** `https` when the admin API has `admin.tls`. */
  adminScheme: 'http' | 'https' = 'http';
  metricsAddress: string | undefined;
  readonly counters: ReloadCounters = newReloadCounters();
  private dataplane: DataPlane | undefined;
  private admin: AdminServer | undefined;
  private metricsServer: MetricsServer | undefined;
  private credentials: AdminCredentials | undefined;
  private tls: TlsMaterial | undefined;
  private sweeper: ExpirySweeper | undefined;
  /** Writes to the enforced profile of this process, one at a time (admin API and expiry). */
  private readonly writes = new WriteQueue();
  private ready = false;
  private stopping = false;
  /** This instance in the fleet view: `HOST:PID-RANDOM` (containers on one host may all be PID 1). */
  readonly instanceId = `${hostname()}:${process.pid}-${randomBytes(2).toString('hex')}`;
  private readonly startedAt = new Date().toISOString();
  private enforcedSince = new Date().toISOString();

  private constructor(
    private readonly options: ServerOptions,
    private readonly store: ProfileStore,
    readonly state: ProfileState,
    private readonly profiles: ProfileCache,
    private readonly sources?: SourcesBinding,
  ) {}

  static async start(options: ServerOptions): Promise<IpgateServer> {
    const { config, log } = options;
    const credentials = config.admin === undefined ? undefined : AdminCredentials.read(config.admin, log);
    const tls = config.admin?.tls === undefined ? undefined : readTlsMaterial(config.admin.tls);
    // One change is validated and compiled by the admin API, the store and the state in turn: shared memory.
    const profiles = new ProfileCache();
    const sources = await startSources(config, log, profiles);
    let store: ProfileStore;
    try {
      store = await openStore(config, sources?.check ?? ((profile) => profiles.validate(profile, { target: 'ipgate' })));
    } catch (error) {
      sources?.stop();
      throw error;
    }
    let server: IpgateServer;
    try {
      const state = sources?.stateFor(store.get()) ?? new ProfileState(store.get(), (profile) => ({ compiled: profiles.compile(profile) }));
      server = new IpgateServer(options, store, state, profiles, sources);
    } catch (error) {
      sources?.stop();
      await store.close();
      throw error;
    }
    server.credentials = credentials;
    server.tls = tls;
    sources?.attach(server.state, server.counters);
    store.watch((event) => server.onStoreEvent(event));
    if (sources?.refusingAll !== true) store.enforced?.(server.state.stored);
    server.state.subscribe((current, previous) => {
      if (server.state.stored.revision === current.revision) store.enforced?.(server.state.stored);
      server.enforcedSince = new Date().toISOString();
      store.instances?.refresh();
      const profile = current.compiled.profile;
      if (current.expired.length > 0 && (current.revision !== previous.revision || current.expired.length !== previous.expired.length)) logExpiry(log, current);
      log('info', 'profile-applied', {
        generation: current.generation,
        revision: current.revision,
        authorized: profile.authorizedIpRanges.length,
        egress: profile.egressIpRanges.length,
      });
      if (profile.authorizedIpRanges.length === 0) {
        log('warn', 'profile-disabled', { generation: current.generation, problem: 'the profile in force has no authorizedIpRanges: every source is allowed' });
      }
    });
    server.sweeper = new ExpirySweeper({ store, state: server.state, writes: server.writes, log });
    if (server.state.current.expired.length > 0) logExpiry(log, server.state.current);
    try {
      server.dataplane = await startDataPlane(config, server.state, log);
      if (config.admin !== undefined && credentials !== undefined) await server.startAdmin(config.admin, credentials);
    } catch (error) {
      await server.stop(0);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
        throw new IpgateError('ERR_LISTEN', `Cannot listen: ${(error as Error).message}`);
      }
      throw error;
    }
    server.ready = true;
    store.instances?.publish(() => server.instanceRecord());
    return server;
  }

  /** What this instance publishes about itself for the fleet view. */
  instanceRecord(): InstanceRecord {
    const health = this.store.health?.();
    return {
      id: this.instanceId,
      listeners: this.listeners.map((l) => l.address),
      admin: this.adminAddress ?? null,
      profile: this.store.profileName ?? 'default',
      revision: this.state.current.revision,
      enforcedSince: this.enforcedSince,
      store: { up: health?.up ?? true, detail: health?.detail ?? null },
      version: buildInfo().version,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
    };
  }

  /** The fleet as the store's instance records show it (this instance alone with a file store). */
  async fleet(): Promise<FleetStatus> {
    const self = this.instanceRecord();
    const directory = this.store.instances;
    if (directory === undefined) return fleetStatus([self], { now: Date.now(), selfId: self.id });
    try {
      // Instances enforcing another named profile (another cluster sharing the etcd) are another fleet.
      const records = (await directory.list()).filter((r) => r.id !== self.id && r.profile === self.profile);
      return fleetStatus([...records, self], { now: Date.now(), selfId: self.id });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return fleetStatus([self], { now: Date.now(), selfId: self.id, problem: `the instance records cannot be read from the store (${why}): only this instance is shown` });
    }
  }

  private async startAdmin(admin: NonNullable<GatewayConfig['admin']>, credentials: AdminCredentials): Promise<void> {
    const { config, log } = this.options;
    const dataplane = this.dataplane;
    const registry = new Registry();
    // The runtime metrics under their standard names (process_*, nodejs_*), as Prometheus users query them.
    collectDefaultMetrics({ register: registry });
    registerBuildInfo(registry);
    registerProfileMetrics(registry, this.state, this.counters);
    registerStoreMetrics(registry, this.store);
    dataplane?.registerMetrics(registry);
    if (this.sources !== undefined) registerSourceMetrics(registry, this.sources);
    const metrics = async (): Promise<{ contentType: string; text: string }> => ({ contentType: registry.contentType, text: await registry.metrics() });
    const ready = (): boolean => this.ready && (this.dataplane?.healthy ?? false);
    const listeners = config.listeners.map((l) => ({ name: l.name, host: l.address.host, enforce: l.enforce, trustedFrom: l.proxyProtocol?.trustedFrom }));
    const recentRefusals = dataplane?.recentRefusals?.bind(dataplane);
    const recentMatches = dataplane?.recentMatches?.bind(dataplane);
    const api = new AdminApi({
      store: this.store,
      state: this.state,
      // Read at each request, so tokens put in force by SIGHUP apply at once.
      tokens: () => credentials.current,
      metricsNeedToken: config.metrics !== undefined,
      listeners: () => listeners,
      ...(recentRefusals === undefined ? {} : { refusals: recentRefusals }),
      ...(recentMatches === undefined ? {} : { matches: recentMatches }),
      log,
      metrics,
      ready,
      ...(dataplane === undefined ? {} : { settled: () => dataplane.settled() }),
      ...(this.sources === undefined ? {} : { sources: this.sources.admin() }),
      profiles: this.profiles,
      writes: this.writes,
      status: () => this.fleet(),
      ui: loadUiAssets(),
    });
    this.admin = new AdminServer(api, { ...admin, tls: this.tls, log });
    const bound = await this.admin.listen(admin.address);
    this.adminAddress = formatEndpoint(bound.address, bound.port);
    this.adminScheme = this.tls === undefined ? 'http' : 'https';
    if (this.tls === undefined && new AddressClassifier().classify(bound.address) !== 'loopback') {
      log('warn', 'admin-plain-http', {
        address: this.adminAddress,
        problem: 'the admin API listens on a non-loopback address over plain HTTP: bearer tokens and profiles cross the network unencrypted; give admin.tls (certFile, keyFile), or listen on 127.0.0.1',
      });
    }
    if (config.metrics !== undefined) {
      this.metricsServer = new MetricsServer({ store: this.store, metrics, ready });
      const m = await this.metricsServer.listen(config.metrics.address);
      this.metricsAddress = formatEndpoint(m.address, m.port);
    }
  }

  /** SIGHUP: the admin API's certificate and key (and client CA) read again; unusable files keep the ones in force. */
  private reloadTls(): void {
    const tlsConfig = this.options.config.admin?.tls;
    if (tlsConfig === undefined || this.admin === undefined) return;
    const { log } = this.options;
    try {
      const material = readTlsMaterial(tlsConfig);
      const old = this.tls;
      if (old !== undefined && old.cert.equals(material.cert) && old.key.equals(material.key) && (old.ca ?? Buffer.alloc(0)).equals(material.ca ?? Buffer.alloc(0))) return;
      this.admin.replaceTls(material);
      this.tls = material;
      log('info', 'admin-tls-reloaded', { certFile: tlsConfig.certFile, ...(tlsConfig.clientCaFile === undefined ? {} : { clientCaFile: tlsConfig.clientCaFile }) });
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_ADMIN_TLS', String(error));
      log('error', 'admin-tls-rejected', { code: e.code, file: e.input ?? tlsConfig.certFile, problem: e.message, kept: 'the certificate and key in force stay' });
    }
  }

  /** The listeners as bound (the real port when 0 was configured). */
  get listeners(): readonly BoundListener[] {
    return this.dataplane?.listeners ?? [];
  }

  get description(): string {
    return this.store.description;
  }

  private onStoreEvent(event: StoreEvent): void {
    const { log } = this.options;
    if (event.kind === 'recorded') {
      logChange(log, event.record);
      return;
    }
    if (event.kind === 'health') {
      this.store.instances?.refresh();
      const fields = { store: this.store.description, kept: this.state.current.revision, ...(event.health.detail === undefined ? {} : { detail: event.health.detail }) };
      log(event.health.up ? 'info' : 'error', event.health.up ? 'store-up' : 'store-degraded', fields);
      return;
    }
    if (event.kind === 'warning') {
      log('warn', 'store-warning', { code: event.error.code, problem: event.error.message });
      return;
    }
    if (event.kind === 'rejected') {
      this.counters.reloadFailures++;
      log('error', 'profile-rejected', { code: event.error.code, path: this.store.description, problem: event.error.message, kept: this.state.current.revision });
      return;
    }
    try {
      const before = this.state.current.generation;
      if (this.state.swap(event.snapshot).generation !== before) this.counters.reloads++;
    } catch (error) {
      this.counters.reloadFailures++;
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_PROFILE_INVALID', String(error));
      log('error', 'profile-rejected', { code: e.code, path: this.store.description, problem: e.message, kept: this.state.current.revision });
    }
  }

  /**
   * SIGHUP: re-read the admin tokens and TLS files, reopen the data plane's files, and re-read the store; without a store,
   * re-read the config file's profile. A file that does not parse or validate is refused and the last good
   * profile stays.
   */
  async reload(): Promise<void> {
    const { log, configFile } = this.options;
    log('info', 'reload', { store: this.store.description });
    this.credentials?.reload();
    this.reloadTls();
    this.dataplane?.reload();
    if (this.options.config.store === undefined && this.options.config.etcd === undefined && configFile !== undefined) {
      try {
        const config = await loadConfigFile(configFile);
        if (config.profile !== undefined) await this.store.compareAndSwap(this.store.get().revision, config.profile, { actor: 'sighup', address: null, path: 'sighup' });
      } catch (error) {
        this.counters.reloadFailures++;
        const e = error instanceof IpgateError ? error : new IpgateError('ERR_CONFIG_READ', String(error));
        log('error', 'config-rejected', { code: e.code, path: configFile, problem: e.message, kept: this.state.current.revision });
      }
      return;
    }
    await this.store.refresh();
  }

  /** Stops accepting, waits up to `drainTimeoutMs` for open connections, then closes the rest. */
  async stop(drainTimeoutMs: number): Promise<{ drained: boolean; closed: number }> {
    if (this.stopping) return { drained: true, closed: 0 };
    this.stopping = true;
    this.ready = false;
    this.sweeper?.close();
    this.state.close();
    const result = (await this.dataplane?.stop(drainTimeoutMs)) ?? { drained: true, closed: 0 };
    await this.admin?.close();
    await this.metricsServer?.close();
    this.sources?.stop();
    await this.store.close();
    return result;
  }

  get openConnections(): number {
    return this.dataplane?.openConnections ?? 0;
  }
}
