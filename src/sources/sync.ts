/**
 * Keeps every configured source current: on start (cached copy first, then a fetch) and every `refresh`.
 * A fetch or parse failure never replaces good data: the last good catalogue (in memory, and on disk in the
 * cache directory) stays in use and the failure is recorded in the source's status. Each sync reports what
 * changed (prefixes added/removed per reference) through `onSync`. A `kubernetes` source is listed where
 * others are fetched, and once started it is also watched: every change the watch brings is taken in (and
 * reported) at once, through the same steps as a fetched file.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IpgateError, type ErrorCode } from '../errors.js';
import type { Catalogue, SourceType } from './types.js';
import type { SourceConfig } from './schema.js';
import { DEFAULT_REFRESH } from './schema.js';
import { parseDuration } from './duration.js';
import { parseSource } from './parse.js';
import { readCache, sha256, writeCache } from './cache.js';
import { fetchSource } from './fetch.js';
import { diffCatalogues, type PrefixChange } from './diff.js';
import { inClusterSpec, kubeconfigSpec, loadConnection, SERVICE_ACCOUNT_DIR, type KubeConnection } from './kube-config.js';
import { KubeDiscovery } from './kube-watch.js';
import { describeFileError } from '../fs/file-error.js';

export interface SourceError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly at: string;
}

export interface SourceStatus {
  readonly name: string;
  readonly type: SourceType;
  /** The URL, or the resolved file path. */
  readonly origin: string;
  readonly refreshMs: number;
  readonly lastAttempt?: string;
  /** Last time the source was confirmed current (fetched, parsed, or answered 304). */
  readonly lastSuccess?: string;
  /** Last time its prefixes changed. */
  readonly lastChange?: string;
  /** The latest failure, while it is more recent than the latest success. */
  readonly lastError?: SourceError;
  readonly etag?: string;
  readonly lastModified?: string;
  /** True while the data in use came from the disk cache and no fetch has succeeded yet. */
  readonly fromCache: boolean;
  readonly available: boolean;
  readonly prefixCount: number;
  readonly hostBitsNormalized: number;
  readonly version?: string;
  /** When the next scheduled sync is due (absent when no schedule runs, as in one-shot commands). */
  readonly nextRefresh?: string;
}

export type SyncOutcome = 'updated' | 'unchanged' | 'not-modified' | 'failed';

export interface SyncReport {
  readonly source: string;
  readonly outcome: SyncOutcome;
  readonly changes: PrefixChange[];
  readonly error?: SourceError;
}

export interface SourceSyncOptions {
  readonly sources: readonly SourceConfig[];
  /** Directory relative `file:` paths are read from (the config file's directory). */
  readonly baseDir: string;
  readonly cacheDir: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly backoffMs?: number;
  readonly maxBytes?: number;
  /** Retry delay after a failed scheduled sync (capped by the source's refresh). */
  readonly retryAfterFailureMs?: number;
  /** The profile entries to report changes for (references into the sources). */
  readonly references?: () => readonly string[];
  readonly onSync?: (report: SyncReport) => void;
  readonly now?: () => Date;
  /** kubernetes sources with inCluster: true read the service account here, and the environment from `env`. */
  readonly serviceAccountDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** kubernetes sources: first retry delay after a failed list or watch (doubles up to 30 s). */
  readonly kubeBackoffMs?: number;
  /** false: read the cache but never write it (commands that only look, such as `ipgate plan`). */
  readonly writeCache?: boolean;
}

interface State {
  readonly config: SourceConfig;
  readonly origin: string;
  readonly refreshMs: number;
  catalogue?: Catalogue;
  sha?: string;
  etag?: string;
  lastModified?: string;
  lastAttempt?: string;
  lastSuccess?: string;
  lastChange?: string;
  lastError?: SourceError;
  fromCache: boolean;
  running?: Promise<SyncReport>;
  timer?: NodeJS.Timeout;
  nextAt?: number;
  /** kubernetes sources: the list and watch of the cluster. */
  kube?: KubeDiscovery;
  /** Changes to the state (a sync, a watched change) one at a time. */
  chain: Promise<unknown>;
}

function originOf(config: SourceConfig, baseDir: string): string {
  if (config.type === 'kubernetes') {
    if (config.kubeconfig === undefined) return 'in-cluster service account';
    return `kubeconfig ${resolve(baseDir, config.kubeconfig)}${config.context === undefined ? '' : ` (context ${config.context})`}`;
  }
  return config.url ?? resolve(baseDir, config.file ?? '');
}

export class SourceSync {
  readonly #options: SourceSyncOptions;
  readonly #states: State[];
  #stopped = false;
  readonly #abort = new AbortController();

  constructor(options: SourceSyncOptions) {
    this.#options = options;
    this.#states = options.sources.map((config) => {
      const state: State = { config, origin: originOf(config, options.baseDir), refreshMs: parseDuration(config.refresh ?? DEFAULT_REFRESH), fromCache: false, chain: Promise.resolve() };
      if (config.type === 'kubernetes') state.kube = this.#discovery(state);
      return state;
    });
  }

  /** How a kubernetes source connects: its kubeconfig (read again each time: tokens rotate) or the service account. */
  #connect(config: SourceConfig): Promise<KubeConnection> {
    return (async () => {
      if (config.kubeconfig === undefined) return loadConnection(inClusterSpec(this.#options.env ?? process.env, this.#options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR));
      const path = resolve(this.#options.baseDir, config.kubeconfig);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        throw new IpgateError('ERR_KUBECONFIG_INVALID', `Cannot read the kubeconfig ${path} of source "${config.name}" (${describeFileError(error)})`, { input: path });
      }
      return loadConnection(kubeconfigSpec(text, path, config.context));
    })();
  }

  #discovery(s: State): KubeDiscovery {
    return new KubeDiscovery({
      connect: () => this.#connect(s.config),
      timeoutMs: this.#options.timeoutMs ?? 30_000,
      ...(this.#options.kubeBackoffMs === undefined ? {} : { backoffMs: this.#options.kubeBackoffMs }),
      onChange: (text) => {
        void this.#serial(s, async () => {
          const at = this.#now();
          const report = await this.#accept(s, text, at, undefined, undefined);
          this.#succeeded(s, at);
          if (report.outcome === 'updated') this.#options.onSync?.(report);
        }).catch((error: unknown) => this.#failed(s, error, this.#now()));
      },
      onError: (error) => {
        const report = this.#failed(s, error, this.#now());
        this.#options.onSync?.(report);
      },
      onRecovered: () => {
        this.#succeeded(s, this.#now());
        this.#options.onSync?.({ source: s.config.name, outcome: 'unchanged', changes: [] });
      },
    });
  }

  /** Runs `fn` after every earlier change of the state has finished. */
  #serial<T>(s: State, fn: () => Promise<T>): Promise<T> {
    const run = s.chain.then(fn, fn);
    s.chain = run.catch(() => undefined);
    return run;
  }

  #succeeded(s: State, at: string): void {
    s.lastSuccess = at;
    s.fromCache = false;
    delete s.lastError;
  }

  #failed(s: State, error: unknown, at: string): SyncReport {
    const e = error instanceof IpgateError ? error : new IpgateError('ERR_SOURCE_FETCH', error instanceof Error ? error.message : String(error));
    s.lastError = { code: e.code, message: e.message, at };
    return { source: s.config.name, outcome: 'failed', changes: [], error: s.lastError };
  }

  #now(): string {
    return (this.#options.now?.() ?? new Date()).toISOString();
  }

  /** Loads the cached copies (a cached copy that no longer parses is ignored). */
  async loadCache(): Promise<void> {
    await Promise.all(this.#states.map(async (s) => {
      if (s.catalogue !== undefined) return;
      const cached = await readCache(this.#options.cacheDir, s.config.name);
      if (cached === undefined) return;
      try {
        s.catalogue = parseSource(s.config.type, s.config.name, cached.text);
      } catch {
        return;
      }
      s.sha = cached.meta.sha256;
      s.fromCache = true;
      if (cached.meta.origin === s.origin) {
        if (cached.meta.etag !== undefined) s.etag = cached.meta.etag;
        if (cached.meta.lastModified !== undefined) s.lastModified = cached.meta.lastModified;
      }
    }));
  }

  /** Loads the cache, syncs every source once, then keeps them on their refresh schedule. */
  async start(): Promise<SyncReport[]> {
    await this.loadCache();
    const reports = await this.syncAll();
    for (const s of this.#states) {
      if (this.#stopped) break;
      this.#schedule(s, s.lastError === undefined ? s.refreshMs : this.#retryDelay(s));
      s.kube?.watch();
    }
    return reports;
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    for (const s of this.#states) {
      if (s.timer !== undefined) clearTimeout(s.timer);
      s.kube?.stop();
    }
  }

  async syncAll(): Promise<SyncReport[]> {
    return Promise.all(this.#states.map((s) => this.#syncState(s)));
  }

  async sync(name: string): Promise<SyncReport> {
    const s = this.#states.find((x) => x.config.name === name);
    if (s === undefined) throw new IpgateError('ERR_SOURCE_UNKNOWN', `No source named "${name}"`, { input: name });
    return this.#syncState(s);
  }

  /** The catalogues with data, in config order (the first azure-service-tags one serves bare tags). */
  catalogues(): Catalogue[] {
    return this.#states.flatMap((s) => (s.catalogue === undefined ? [] : [s.catalogue]));
  }

  /** Configured sources without any data yet. */
  unavailable(): string[] {
    return this.#states.filter((s) => s.catalogue === undefined).map((s) => s.config.name);
  }

  status(): SourceStatus[] {
    return this.#states.map((s) => ({
      name: s.config.name, type: s.config.type, origin: s.origin, refreshMs: s.refreshMs,
      ...(s.lastAttempt === undefined ? {} : { lastAttempt: s.lastAttempt }),
      ...(s.lastSuccess === undefined ? {} : { lastSuccess: s.lastSuccess }),
      ...(s.lastChange === undefined ? {} : { lastChange: s.lastChange }),
      ...(s.lastError === undefined ? {} : { lastError: s.lastError }),
      ...(s.etag === undefined ? {} : { etag: s.etag }),
      ...(s.lastModified === undefined ? {} : { lastModified: s.lastModified }),
      fromCache: s.fromCache,
      available: s.catalogue !== undefined,
      prefixCount: s.catalogue?.prefixCount ?? 0,
      hostBitsNormalized: s.catalogue?.hostBitsNormalized ?? 0,
      ...(s.catalogue?.version === undefined ? {} : { version: s.catalogue.version }),
      ...(s.nextAt === undefined || this.#stopped ? {} : { nextRefresh: new Date(s.nextAt).toISOString() }),
    }));
  }

  #retryDelay(s: State): number {
    return Math.min(s.refreshMs, this.#options.retryAfterFailureMs ?? 300_000);
  }

  #schedule(s: State, delay: number): void {
    if (this.#stopped) return;
    if (s.timer !== undefined) clearTimeout(s.timer);
    s.nextAt = (this.#options.now?.() ?? new Date()).getTime() + delay;
    s.timer = setTimeout(() => {
      void this.#syncState(s).then(() => this.#schedule(s, s.lastError === undefined ? s.refreshMs : this.#retryDelay(s)));
    }, delay);
    s.timer.unref();
  }

  #syncState(s: State): Promise<SyncReport> {
    if (s.running !== undefined) return s.running;
    const run = this.#doSync(s).finally(() => {
      delete s.running;
    });
    s.running = run;
    return run;
  }

  async #doSync(s: State): Promise<SyncReport> {
    const at = this.#now();
    s.lastAttempt = at;
    let report: SyncReport;
    try {
      report = await this.#serial(s, () => this.#fetchAndParse(s, at));
      this.#succeeded(s, at);
    } catch (error) {
      report = this.#failed(s, error, at);
    }
    this.#options.onSync?.(report);
    return report;
  }

  async #fetchAndParse(s: State, at: string): Promise<SyncReport> {
    const name = s.config.name;
    let text: string;
    let etag: string | undefined;
    let lastModified: string | undefined;
    if (s.kube !== undefined) {
      text = await s.kube.list();
    } else if (s.config.url !== undefined) {
      const o = this.#options;
      const result = await fetchSource(s.config.url, {
        timeoutMs: o.timeoutMs ?? 30_000, retries: o.retries ?? 2, backoffMs: o.backoffMs ?? 1000, maxBytes: o.maxBytes ?? 64 * 1024 * 1024,
        signal: this.#abort.signal,
        ...(s.catalogue !== undefined && s.etag !== undefined ? { etag: s.etag } : {}),
        ...(s.catalogue !== undefined && s.lastModified !== undefined ? { lastModified: s.lastModified } : {}),
      });
      if (result.status === 'not-modified') return { source: name, outcome: 'not-modified', changes: [] };
      ({ text, etag, lastModified } = result);
    } else {
      try {
        text = await readFile(s.origin, 'utf8');
      } catch (error) {
        throw new IpgateError('ERR_SOURCE_FETCH', `Cannot read ${s.origin}: ${error instanceof Error ? error.message : String(error)}`, { input: s.origin });
      }
    }
    return this.#accept(s, text, at, etag, lastModified);
  }

  /** Takes in a source's new text: parsed, cached, compared with what was in use. */
  async #accept(s: State, text: string, at: string, etag: string | undefined, lastModified: string | undefined): Promise<SyncReport> {
    const name = s.config.name;
    const hash = sha256(text);
    if (hash === s.sha && s.catalogue !== undefined) {
      this.#setValidators(s, etag, lastModified);
      return { source: name, outcome: 'unchanged', changes: [] };
    }
    const catalogue = parseSource(s.config.type, name, text);
    if (this.#options.writeCache !== false) await writeCache(this.#options.cacheDir, name, text, {
      fetchedAt: at, origin: s.origin,
      ...(etag === undefined ? {} : { etag }), ...(lastModified === undefined ? {} : { lastModified }),
    });
    const before = s.catalogue;
    const firstAzure = this.#states.find((x) => x.config.type === 'azure-service-tags') === s;
    const changes = diffCatalogues(before, catalogue, this.#options.references?.() ?? [], firstAzure);
    s.catalogue = catalogue;
    s.sha = hash;
    this.#setValidators(s, etag, lastModified);
    if (changes.length > 0) s.lastChange = at;
    return { source: name, outcome: changes.length > 0 ? 'updated' : 'unchanged', changes };
  }

  #setValidators(s: State, etag: string | undefined, lastModified: string | undefined): void {
    if (etag === undefined) delete s.etag;
    else s.etag = etag;
    if (lastModified === undefined) delete s.lastModified;
    else s.lastModified = lastModified;
  }
}
