/**
 * The running gateway: store -> profile state -> listeners (+ admin API). Applies profile changes as they
 * come (revoking connections no longer allowed), reloads on demand (SIGHUP) and shuts down gracefully.
 */
import { AdminApi } from '../admin/handler.js';
import { AdminServer } from '../admin/server.js';
import { formatEndpoint } from '../config/address.js';
import { loadConfigFile } from '../config/load.js';
import type { GatewayConfig } from '../config/types.js';
import { IpgateError } from '../errors.js';
import { HaproxyDataPlane } from '../dataplane/haproxy-dataplane.js';
import { registerHaproxyMetrics } from '../dataplane/metrics.js';
import { EtcdStore } from '../store/etcd-store.js';
import { FileStore } from '../store/file-store.js';
import { formatMode, readTokenFile } from '../fs/token-file.js';
import { MemoryStore } from '../store/memory-store.js';
import { registerStoreMetrics } from '../store/store-metrics.js';
import type { ProfileStore, StoreEvent } from '../store/types.js';
import { openAuditLog, type AuditLog } from './audit-log.js';
import { ConnectionTracker } from './connection-tracker.js';
import { newGatewayCounters, newListenerCounters, type GatewayCounters } from './counters.js';
import { GatewayListener } from './listener.js';
import type { Logger } from './log.js';
import { createMetrics } from './metrics.js';
import { startSources, type SourcesBinding } from './sources-binding.js';
import { registerSourceMetrics } from './sources-metrics.js';
import type { ProfileCheck } from '../policy/validate.js';
import { ProfileState } from './profile-state.js';

export interface BoundListener {
  readonly name: string;
  readonly address: string;
  readonly enforce: boolean;
}

export interface GatewayOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** The config file, re-read on reload (absent in the command-line form). */
  readonly configFile?: string;
}

/**
 * Reads the admin token file (a regular file of at most 4 KiB, one token of 16+ characters); a file the group
 * or others may read is accepted (Kubernetes Secret volumes are 0644 by default) with a warning.
 */
function readAdminToken(file: string, log: Logger): string {
  const read = readTokenFile(file, { minLength: 16, what: 'admin token file' });
  if (read.readableByOthers) {
    log('warn', 'token-file-mode', { file, mode: formatMode(read.mode), problem: 'the admin token file may be read by other users; chmod 600 it (or set defaultMode: 0400 on a Kubernetes Secret volume)' });
  }
  return read.token;
}

async function openStore(config: GatewayConfig, check?: ProfileCheck): Promise<ProfileStore> {
  if (config.etcd !== undefined) {
    return EtcdStore.open({ ...config.etcd, ...(config.profile === undefined ? {} : { seed: config.profile }), ...(check === undefined ? {} : { check }) });
  }
  if (config.store !== undefined) {
    return FileStore.open({ file: config.store.file, format: config.store.format, ...(config.profile === undefined ? {} : { seed: config.profile }), ...(check === undefined ? {} : { check }) });
  }
  if (config.profile === undefined) throw new IpgateError('ERR_CONFIG_INVALID', 'No profile and no store configured');
  return new MemoryStore(config.profile, check);
}

export class Gateway {
  readonly listeners: BoundListener[] = [];
  adminAddress: string | undefined;
  readonly counters: GatewayCounters = newGatewayCounters();
  private readonly tracker = new ConnectionTracker();
  private readonly servers: GatewayListener[] = [];
  private admin: AdminServer | undefined;
  private readonly audit: AuditLog;
  /** The admin API's bearer token; SIGHUP reads the token file again. */
  private token: string | undefined;
  private ready = false;
  private stopping = false;
  /** HAProxy carries the connections (config `dataplane`); no Node listeners then. */
  dataplane: HaproxyDataPlane | undefined;

  private constructor(
    private readonly options: GatewayOptions,
    private readonly store: ProfileStore,
    readonly state: ProfileState,
    private readonly sources?: SourcesBinding,
  ) {
    this.audit = openAuditLog(options.config.auditLog, { log: options.log });
  }

  static async start(options: GatewayOptions): Promise<Gateway> {
    const { config, log } = options;
    const token = config.admin === undefined ? undefined : readAdminToken(config.admin.tokenFile, log);
    const sources = await startSources(config, log);
    let store: ProfileStore;
    try {
      store = await openStore(config, sources?.check);
    } catch (error) {
      sources?.stop();
      throw error;
    }
    let gateway: Gateway;
    try {
      gateway = new Gateway(options, store, sources?.stateFor(store.get()) ?? new ProfileState(store.get()), sources);
    } catch (error) {
      sources?.stop();
      await store.close();
      throw error;
    }
    gateway.token = token;
    sources?.attach(gateway.state, gateway.counters);
    store.watch((event) => gateway.onStoreEvent(event));
    if (sources?.refusingAll !== true) store.enforced?.(gateway.state.stored);
    gateway.state.subscribe((current) => {
      if (gateway.state.stored.revision === current.revision) store.enforced?.(gateway.state.stored);
      const profile = current.compiled.profile;
      log('info', 'profile-applied', {
        generation: current.generation,
        revision: current.revision,
        authorized: profile.authorizedIpRanges.length,
        egress: profile.egressIpRanges.length,
      });
      if (profile.authorizedIpRanges.length === 0) {
        log('warn', 'profile-disabled', { generation: current.generation, problem: 'the profile in force has no authorizedIpRanges: every source is allowed' });
      }
      if (gateway.dataplane !== undefined) void gateway.dataplane.apply().catch(() => undefined);
      if (config.revokeExisting) {
        const closed = gateway.tracker.revoke(current.compiled);
        if (closed.length > 0) log('info', 'connections-revoked', { count: closed.length, generation: current.generation });
      }
    });
    try {
      if (config.dataplane !== undefined) {
        gateway.dataplane = await HaproxyDataPlane.start(config, config.dataplane, gateway.state, log);
        gateway.listeners.push(...gateway.dataplane.listeners);
      }
      for (const listenerConfig of config.dataplane === undefined ? config.listeners : []) {
        const counters = newListenerCounters();
        gateway.counters.listeners.set(listenerConfig.name, counters);
        const listener = new GatewayListener({
          config: listenerConfig,
          upstream: config.upstream,
          upstreamConnectTimeoutMs: config.upstreamConnectTimeoutMs,
          state: gateway.state,
          counters,
          audit: gateway.audit,
          tracker: gateway.tracker,
        });
        const bound = await listener.listen();
        gateway.servers.push(listener);
        gateway.listeners.push({ name: listenerConfig.name, address: formatEndpoint(bound.address, bound.port), enforce: listenerConfig.enforce });
      }
      if (config.admin !== undefined && token !== undefined) {
        const registry = createMetrics(gateway.counters, gateway.state);
        registerStoreMetrics(registry, store);
        if (gateway.dataplane !== undefined) registerHaproxyMetrics(registry, gateway.dataplane);
        if (sources !== undefined) registerSourceMetrics(registry, sources);
        const api = new AdminApi({
          store,
          state: gateway.state,
          // Read at each request, so a token put in force by SIGHUP applies at once.
          get token() {
            return gateway.token ?? '';
          },
          metrics: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
          ready: () => gateway.ready && (gateway.dataplane?.healthy ?? true),
          ...(gateway.dataplane === undefined ? {} : { settled: gateway.dataplane.settled.bind(gateway.dataplane) }),
          ...(sources === undefined ? {} : { sources: sources.admin() }),
        });
        gateway.admin = new AdminServer(api, config.admin);
        const bound = await gateway.admin.listen(config.admin.address);
        gateway.adminAddress = formatEndpoint(bound.address, bound.port);
      }
    } catch (error) {
      await gateway.stop(0);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
        throw new IpgateError('ERR_LISTEN', `Cannot listen: ${(error as Error).message}`);
      }
      throw error;
    }
    gateway.ready = true;
    return gateway;
  }

  get description(): string {
    return this.store.description;
  }

  private onStoreEvent(event: StoreEvent): void {
    const { log } = this.options;
    if (event.kind === 'health') {
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
   * SIGHUP: re-read the store; without a store, re-read the config file's profile. A file that does not
   * parse or validate is refused and the last good profile stays.
   */
  async reload(): Promise<void> {
    const { log, configFile } = this.options;
    log('info', 'reload', { store: this.store.description });
    this.reloadToken();
    this.reopenAuditLog();
    if (this.options.config.store === undefined && this.options.config.etcd === undefined && configFile !== undefined) {
      try {
        const config = await loadConfigFile(configFile);
        if (config.profile !== undefined) await this.store.compareAndSwap(this.store.get().revision, config.profile);
      } catch (error) {
        this.counters.reloadFailures++;
        const e = error instanceof IpgateError ? error : new IpgateError('ERR_CONFIG_READ', String(error));
        log('error', 'config-rejected', { code: e.code, path: configFile, problem: e.message, kept: this.state.current.revision });
      }
      return;
    }
    await this.store.refresh();
  }

  /**
   * SIGHUP: read the admin token file again. A file that cannot be read or holds no valid token is reported
   * and the token in force stays (never an empty token, never a lock-out by accident).
   */
  private reloadToken(): void {
    const admin = this.options.config.admin;
    if (admin === undefined || this.token === undefined) return;
    const { log } = this.options;
    try {
      const token = readAdminToken(admin.tokenFile, log);
      if (token !== this.token) {
        this.token = token;
        log('info', 'token-reloaded', { file: admin.tokenFile });
      }
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_TOKEN_FILE', String(error));
      log('error', 'token-file-rejected', { code: e.code, file: admin.tokenFile, problem: e.message, kept: 'the admin token in force stays' });
    }
  }

  /** SIGHUP: open the audit log file again by name (after a rotation); on failure the old file stays in use. */
  private reopenAuditLog(): void {
    const { log, config } = this.options;
    try {
      this.audit.reopen();
      if (config.auditLog !== '-' && config.auditLog !== 'off') log('info', 'audit-log-reopened', { file: config.auditLog });
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_AUDIT_LOG', String(error));
      log('error', 'audit-log-error', { code: e.code, file: config.auditLog, problem: `${e.message}; still writing to the file opened before` });
    }
  }

  /** Stops accepting, waits up to `drainTimeoutMs` for open connections, then closes the rest. */
  async stop(drainTimeoutMs: number): Promise<{ drained: boolean; closed: number }> {
    if (this.stopping) return { drained: true, closed: 0 };
    this.stopping = true;
    this.ready = false;
    for (const server of this.servers) server.stopAccepting();
    const drained = await this.tracker.drained(drainTimeoutMs);
    const closed = this.tracker.size;
    this.tracker.destroyAll();
    await this.dataplane?.stop();
    await this.admin?.close();
    await this.audit.close();
    this.sources?.stop();
    await this.store.close();
    return { drained, closed };
  }

  get openConnections(): number {
    return this.tracker.size;
  }
}
