/**
 * The HAProxy data plane: HAProxy carries the connections, ipgate keeps its allow map equal to the
 * profile in force. Every profile generation is applied as one atomic map swap through the runtime API,
 * then written to the map file (so a restarted HAProxy comes back with the same list), then open sessions
 * the new profile no longer allows are shut down. Changes are applied one at a time, newest wins; a failed
 * swap leaves HAProxy on the last list it accepted and is retried.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatewayConfig, HaproxyDataplaneConfig } from '../config/types.js';
import { formatEndpoint } from '../config/address.js';
import { requireUpstream } from '../config/upstream.js';
import { IpgateError } from '../errors.js';
import type { Logger } from '../runtime/log.js';
import type { ProfileGeneration, ProfileState } from '../runtime/profile-state.js';
import type { BoundListener, DataPlane } from '../runtime/dataplane.js';
import type { Registry } from 'prom-client';
import { registerHaproxyMetrics } from './metrics.js';
import type { CompiledProfile } from '../policy/decide.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { allowMapEntries, allowMapText, type MapEntry } from './allow-map.js';
import { frontendName, renderHaproxyConfig } from './haproxy-config.js';
import { HaproxyProcess, checkConfig } from './haproxy-process.js';
import { parseShowSess, parseShowStat, type FrontendStats } from './haproxy-stats.js';
import { swapMap } from './map-swap.js';
import { RuntimeApi } from './runtime-api.js';

export interface DataplaneCounters {
  applied: number;
  applyFailures: number;
  revoked: number;
  mapEntries: number;
}

const RETRY_MS = 2000;
const PROBE_MS = 1000;
/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 107;

function header(generation: ProfileGeneration): string {
  return `ipgate allow map (written by ipgate; profile revision ${generation.revision})\nformat: RANGE FAMILY (4 or 6)`;
}

/** Throws ERR_HAPROXY_STATE_DIR when HAProxy cannot use `dir` for its runtime socket; returns the socket path. */
export function checkStateDir(dir: string): string {
  const socketPath = join(dir, 'haproxy.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new IpgateError('ERR_HAPROXY_STATE_DIR', `dataplane.stateDir "${dir}" is too long for HAProxy's runtime socket path (${socketPath})`, {
      input: dir,
      suggestion: 'use a shorter directory, e.g. /var/lib/ipgate/haproxy',
    });
  }
  if (/\s/.test(dir)) throw new IpgateError('ERR_HAPROXY_STATE_DIR', `dataplane.stateDir "${dir}" must not contain spaces (HAProxy's runtime API splits on them)`, { input: dir });
  return socketPath;
}

export class HaproxyDataPlane implements DataPlane {
  readonly listeners: BoundListener[] = [];
  /** HAProxy counts its own sessions (ipgate_active_connections from `show stat`); none pass through ipgate. */
  readonly openConnections = 0;
  private unsubscribe: (() => void) | undefined;
  readonly counters: DataplaneCounters = { applied: 0, applyFailures: 0, revoked: 0, mapEntries: 0 };
  private up = false;
  private stopped = false;
  private chain: Promise<void> = Promise.resolve();
  private appliedGeneration = 0;
  private lastError: IpgateError | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private statsCache: { at: number; value: Promise<FrontendStats[]> } | undefined;

  private constructor(
    private readonly dataplane: HaproxyDataplaneConfig,
    private readonly config: GatewayConfig,
    private readonly state: ProfileState,
    private readonly log: Logger,
    readonly api: RuntimeApi,
    readonly mapFile: string,
    private readonly process: HaproxyProcess | undefined,
  ) {}

  static async start(config: GatewayConfig, dataplane: HaproxyDataplaneConfig, state: ProfileState, log: Logger): Promise<HaproxyDataPlane> {
    if (dataplane.mode === 'attach') {
      const plane = new HaproxyDataPlane(dataplane, config, state, log, new RuntimeApi(dataplane.socket), dataplane.mapFile, undefined);
      await plane.checkMapKnown();
      await plane.applyGeneration(state.current);
      plane.up = true;
      plane.startProbe();
      plane.follow();
      return plane;
    }
    const dir = dataplane.stateDir;
    const socketPath = checkStateDir(dir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const mapFile = join(dir, 'allow.map');
    const trustedFile = (listener: string): string => join(dir, `trusted-${listener}.map`);
    const entries = allowMapEntries(state.current.compiled);
    await writeFileAtomic(mapFile, allowMapText(entries, header(state.current)));
    for (const l of config.listeners) {
      if (l.proxyProtocol === undefined) continue;
      const trusted = allowMapEntries({ authorizedIpRanges: l.proxyProtocol.trustedFrom.map((e) => e), egressIpRanges: [] });
      await writeFile(trustedFile(l.name), allowMapText(trusted, `peers whose PROXY headers listener ${l.name} believes`));
    }
    const configFile = join(dir, 'haproxy.cfg');
    await writeFile(
      configFile,
      renderHaproxyConfig({
        listeners: config.listeners,
        upstream: requireUpstream(config),
        upstreamConnectTimeoutMs: config.upstreamConnectTimeoutMs,
        socketPath,
        mapFile,
        trustedFile,
        ...(dataplane.threads === undefined ? {} : { threads: dataplane.threads }),
      }),
    );
    await checkConfig(dataplane.binary, configFile);
    const ref: { plane?: HaproxyDataPlane } = {};
    const process = new HaproxyProcess({
      binary: dataplane.binary,
      configFile,
      pidFile: join(dir, 'haproxy.pid'),
      onStart: (pid) => {
        log('info', 'haproxy-started', { pid });
        if (ref.plane !== undefined) void ref.plane.afterRestart();
      },
      onExit: (how, output) => {
        if (ref.plane !== undefined) ref.plane.up = false;
        log('error', 'haproxy-exited', { how, output: output.trim().split('\n').slice(-3).join(' | '), restarting: true });
      },
    });
    const plane = new HaproxyDataPlane(dataplane, config, state, log, new RuntimeApi(socketPath), mapFile, process);
    ref.plane = plane;
    plane.counters.mapEntries = entries.length;
    plane.appliedGeneration = state.current.generation;
    await process.start();
    try {
      await plane.waitReachable(10_000);
    } catch (error) {
      await process.stop();
      throw error;
    }
    plane.up = true;
    for (const l of config.listeners) plane.listeners.push({ name: l.name, address: formatEndpoint(l.address.host, l.address.port), enforce: l.enforce });
    plane.startProbe();
    plane.follow();
    return plane;
  }

  /** Whether HAProxy runs and answers its runtime API (for /readyz). */
  get healthy(): boolean {
    return this.up && !this.stopped;
  }

  get restarts(): number {
    return this.process?.restarts ?? 0;
  }

  get applied(): number {
    return this.appliedGeneration;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Queues the profile in force (newest wins); resolves when it is applied or has failed. */
  apply(): Promise<void> {
    const run = async (): Promise<void> => {
      const current = this.state.current;
      if (current.generation === this.appliedGeneration || this.stopped) return;
      await this.applyGeneration(current);
    };
    this.chain = this.chain.then(run, run);
    return this.chain;
  }

  /**
   * Waits until the profile in force is HAProxy's; throws the error of the last failed swap when it is not
   * (HAProxy keeps the last list it accepted).
   */
  async settled(): Promise<void> {
    await this.apply().catch(() => undefined);
    if (this.appliedGeneration !== this.state.current.generation) {
      throw this.lastError ?? new IpgateError('ERR_HAPROXY_NOT_APPLIED', 'The profile is stored but HAProxy does not enforce it yet');
    }
  }

  private async applyGeneration(generation: ProfileGeneration): Promise<void> {
    const entries: MapEntry[] = allowMapEntries(generation.compiled);
    const started = Date.now();
    try {
      await swapMap(this.api, this.mapFile, entries);
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_HAPROXY_SWAP', String(error));
      this.lastError = e;
      this.counters.applyFailures++;
      this.log('error', 'haproxy-apply-failed', { code: e.code, problem: e.message, generation: generation.generation, kept: this.appliedGeneration });
      this.scheduleRetry();
      throw e;
    }
    this.appliedGeneration = generation.generation;
    this.counters.applied++;
    this.counters.mapEntries = entries.length;
    this.lastError = undefined;
    try {
      await writeFileAtomic(this.mapFile, allowMapText(entries, header(generation)));
    } catch (error) {
      this.log('error', 'haproxy-map-file-write-failed', { file: this.mapFile, problem: String(error) });
    }
    this.log('info', 'haproxy-applied', { generation: generation.generation, entries: entries.length, ms: Date.now() - started });
    if (this.config.revokeExisting) await this.revoke(generation.compiled);
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.apply().catch(() => undefined);
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  /** Shuts down open sessions on enforced frontends whose source the profile does not allow. */
  async revoke(compiled: CompiledProfile): Promise<number> {
    let sessions;
    try {
      sessions = parseShowSess(await this.api.command('show sess'));
    } catch (error) {
      this.log('error', 'haproxy-revoke-failed', { problem: String(error) });
      return 0;
    }
    const enforced = this.enforcedFrontends();
    const ids: string[] = [];
    for (const s of sessions) {
      if (enforced !== undefined && !enforced.has(s.frontend)) continue;
      let allowed: boolean;
      try {
        allowed = compiled.decide(s.source).allowed;
      } catch {
        continue; // not an IP source (e.g. a unix socket)
      }
      if (!allowed) ids.push(s.id);
    }
    for (let i = 0; i < ids.length; i += 50) {
      const batch = ids.slice(i, i + 50).map((id) => `shutdown session ${id}`);
      await this.api.command(batch.join(';')).catch(() => undefined);
    }
    if (ids.length > 0) {
      this.counters.revoked += ids.length;
      this.log('info', 'connections-revoked', { count: ids.length, dataplane: 'haproxy' });
    }
    return ids.length;
  }

  private enforcedFrontends(): Set<string> | undefined {
    if (this.dataplane.mode === 'attach') return this.dataplane.frontends === undefined ? undefined : new Set(this.dataplane.frontends);
    return new Set(this.config.listeners.filter((l) => l.enforce).map((l) => frontendName(l.name)));
  }

  /**
   * The ipgate listener a frontend carries, for the metrics both data planes share: managed, the listener the
   * frontend was generated from (`ipgate-NAME` -> `NAME`); attach, the frontend's own name (only those of
   * `frontends` when it is given). undefined for a frontend that is none of these.
   */
  listenerOf(frontend: string): string | undefined {
    if (this.dataplane.mode === 'attach') {
      return this.dataplane.frontends === undefined || this.dataplane.frontends.includes(frontend) ? frontend : undefined;
    }
    return this.config.listeners.find((l) => frontendName(l.name) === frontend)?.name;
  }

  /** Frontend counters (cached for half a second so one scrape reads HAProxy once). */
  stats(): Promise<FrontendStats[]> {
    const now = Date.now();
    if (this.statsCache === undefined || now - this.statsCache.at > 500) {
      const value = this.api.command('show stat').then(parseShowStat, () => []);
      this.statsCache = { at: now, value };
    }
    return this.statsCache.value;
  }

  private async checkMapKnown(): Promise<void> {
    const answer = await this.api.command('show map');
    if (!answer.includes(`(${this.mapFile})`)) {
      throw new IpgateError('ERR_HAPROXY_MAP_UNKNOWN', `HAProxy at ${this.api.socketPath} has no map loaded from "${this.mapFile}"`, {
        input: this.mapFile,
        suggestion: `use the map in the frontend's rules, e.g. "acl ipgate_allowed_v4 src,map_ip(${this.mapFile}) -m str 4" (see ipgate's README, HAProxy data plane)`,
      });
    }
  }

  private async waitReachable(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.api.command('show info');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        if (this.process !== undefined && !this.process.running && Date.now() > deadline - timeoutMs + 2000) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async afterRestart(): Promise<void> {
    try {
      await this.waitReachable(10_000);
      this.up = true;
      this.log('info', 'haproxy-ready', { applied: this.appliedGeneration, restarts: this.restarts });
      await this.apply().catch(() => undefined);
    } catch {
      // the probe keeps reporting it down
    }
  }

  private startProbe(): void {
    this.probeTimer = setInterval(() => {
      void this.api.command('show info').then(
        () => {
          if (this.process === undefined || this.process.running) this.up = true;
        },
        () => {
          this.up = false;
        },
      );
    }, PROBE_MS);
    this.probeTimer.unref();
  }

  /** Follows the profile state: every new generation is queued for HAProxy. */
  private follow(): void {
    this.unsubscribe = this.state.subscribe(() => {
      void this.apply().catch(() => undefined);
    });
  }

  /** Nothing of HAProxy's is re-read on SIGHUP (its config is ipgate's own, or someone else's in attach mode). */
  reload(): void {}

  registerMetrics(registry: Registry): void {
    registerHaproxyMetrics(registry, this);
  }

  /** Stops following the profile and, in managed mode, stops HAProxy (its open sessions end with it). */
  async stop(): Promise<{ drained: boolean; closed: number }> {
    this.unsubscribe?.();
    this.stopped = true;
    this.up = false;
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    await this.chain.catch(() => undefined);
    await this.process?.stop();
    return { drained: true, closed: 0 };
  }
}

