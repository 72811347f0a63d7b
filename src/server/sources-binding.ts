/**
 * Range sources in the running gateway. The stored profile keeps its references as written
 * (`azure:AzureCloud.westeurope`); what is enforced is their expansion into concrete prefixes, recompiled and
 * swapped atomically on every profile change and every sync that changed a selection. Never fails open: an
 * expansion with error-level problems (unknown reference, empty selection, a source with no data) is
 * refused and the last good compiled profile stays; with nothing good yet (first start without data),
 * every source is refused until the data arrives.
 */
import { IpgateError, type ErrorCode } from '../errors.js';
import { ProfileInvalidError } from '../policy/decide.js';
import type { ProfileCache } from '../policy/profile-cache.js';
import type { Profile } from '../policy/profile.js';
import type { ProfileCheck, ReferenceCheck } from '../policy/validate.js';
import { expandProfile, toConcreteProfile } from '../sources/expand.js';
import { profileCheckFor, referenceCheck } from '../sources/profile-check.js';
import { parseReference } from '../sources/reference.js';
import type { SourceConfig } from '../sources/schema.js';
import { SourceSync, type SourceStatus, type SyncReport } from '../sources/sync.js';
import type { ReloadCounters } from '../runtime/reload-counters.js';
import type { Logger } from '../runtime/log.js';
import type { AdminSources } from '../admin/sources-api.js';
import type { GatewayConfig } from '../config/types.js';
import type { StoreSnapshot } from '../store/types.js';
import { ProfileState, refuseEveryone, type Compiled, type PrefixOrigin } from '../runtime/profile-state.js';

export interface SourcesBindingOptions {
  readonly sources: readonly SourceConfig[];
  readonly cacheDir: string;
  readonly log: Logger;
  /** Compiles the expanded profiles (shared with the rest of the process). */
  readonly profiles: ProfileCache;
  /** How long start() waits for the first sync before going on with what the cache holds. */
  readonly initialWaitMs?: number;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly backoffMs?: number;
}

export interface SyncCounts {
  successes: number;
  failures: number;
}

/** One source as `GET /v1/sources` shows it. */
export interface SourceView {
  readonly name: string;
  readonly type: string;
  readonly url?: string;
  readonly file?: string;
  /** kubernetes sources: the kubeconfig read, or the pod's service account. */
  readonly kubeconfig?: string;
  readonly inCluster?: boolean;
  readonly refresh: string;
  readonly available: boolean;
  readonly fromCache: boolean;
  readonly prefixCount: number;
  readonly lastAttempt: string | null;
  readonly lastSuccess: string | null;
  readonly lastChange: string | null;
  readonly lastError: { code: ErrorCode; message: string; at: string } | null;
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly nextRefresh: string | null;
  readonly version: string | null;
  readonly syncs: SyncCounts;
  /** The profile's references into this source and how many prefixes each selects now (or its problem). */
  readonly references: Array<{ entry: string; prefixes: number; ranges?: string[] } | { entry: string; problem: string; code: ErrorCode }>;
}

const MAX_LOGGED_PREFIXES = 50;

function problemLines(error: unknown): string[] {
  if (error instanceof ProfileInvalidError) {
    return error.problems.filter((p) => p.severity === 'error').map((p) => `${p.entry ?? p.field ?? 'profile'}: ${p.message} (${p.code})`);
  }
  return [error instanceof Error ? error.message : String(error)];
}

export class SourcesBinding {
  readonly sync: SourceSync;
  readonly counts = new Map<string, SyncCounts>();
  /** The name-only check stores use: references to configured sources are accepted. */
  readonly check: ProfileCheck;
  readonly reference: ReferenceCheck;
  private state: ProfileState | undefined;
  private counters: ReloadCounters | undefined;
  /** True while the refusal (nothing allowed) is in force because the profile never expanded. */
  private refusing = false;

  private constructor(private readonly options: SourcesBindingOptions) {
    for (const s of options.sources) this.counts.set(s.name, { successes: 0, failures: 0 });
    this.check = profileCheckFor(options.sources);
    this.reference = referenceCheck(options.sources);
    this.sync = new SourceSync({
      sources: options.sources,
      baseDir: options.cacheDir,
      cacheDir: options.cacheDir,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
      ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
      references: () => {
        const p = this.state?.stored.profile;
        return p === undefined ? [] : [...p.authorizedIpRanges, ...p.egressIpRanges];
      },
      onSync: (report) => this.onSync(report),
    });
  }

  /** Loads the cached copies and starts syncing; waits for the first sync up to `initialWaitMs`. */
  static async start(options: SourcesBindingOptions): Promise<SourcesBinding> {
    const binding = new SourcesBinding(options);
    await binding.sync.loadCache();
    const first = binding.sync.start();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([first, new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.initialWaitMs ?? 10_000);
    })]);
    if (timer !== undefined) clearTimeout(timer);
    return binding;
  }

  /** Compiles a stored profile: expand its references, refuse on any error-level problem, compile the prefixes. */
  readonly compile = (profile: Profile): Compiled => {
    const expanded = expandProfile(profile, this.sync.catalogues(), { unavailable: this.sync.unavailable() });
    if (expanded.problems.some((p) => p.severity === 'error')) throw new ProfileInvalidError(expanded.problems);
    const compiled = this.options.profiles.compile(toConcreteProfile(expanded));
    const explicit = new Set([...expanded.authorized, ...expanded.egress].filter((r) => r.source === undefined).map((r) => r.cidr));
    const origins = new Map<string, PrefixOrigin>();
    for (const r of [...expanded.authorized, ...expanded.egress]) {
      if (r.source !== undefined && !explicit.has(r.cidr) && !origins.has(r.cidr)) origins.set(r.cidr, { reference: r.from, source: r.source });
    }
    return { compiled, origins };
  };

  /**
   * What the gateway enforces first when the stored profile cannot be expanded (no data for a referenced
   * source, unknown reference): the refusal of every source, with the reason logged.
   */
  private initial(error: unknown): Compiled {
    if (!(error instanceof IpgateError)) throw error;
    this.refusing = true;
    this.options.log('error', 'sources-not-ready', {
      problem: 'the profile\'s references cannot be expanded; every source is refused until they can',
      problems: problemLines(error),
      unavailable: this.sync.unavailable(),
    });
    return refuseEveryone();
  }

  /** True while every source is refused because the stored profile's references cannot be expanded yet. */
  get refusingAll(): boolean {
    return this.refusing;
  }

  /** The profile state for a stored profile: expanded through the sources (or refusing everyone, see initial). */
  stateFor(snapshot: StoreSnapshot): ProfileState {
    return new ProfileState(snapshot, this.compile, { fallback: (error) => this.initial(error) });
  }

  /** What the admin API needs. */
  admin(): AdminSources {
    return {
      reference: this.reference,
      compile: (profile) => this.compile(profile).compiled,
      expand: (profile) => expandProfile(profile, this.sync.catalogues(), { unavailable: this.sync.unavailable() }),
      isReference: (entry) => this.isReference(entry),
      explainFields: (matched) => this.explainFields(matched),
      view: (withRanges) => this.view(withRanges),
      syncNow: () => this.syncNow(),
    };
  }

  /** Connects to the profile state: recompiles when a sync changes a selection. */
  attach(state: ProfileState, counters: ReloadCounters): void {
    this.state = state;
    this.counters = counters;
    state.subscribe(() => {
      this.refusing = false;
    });
  }

  private onSync(report: SyncReport): void {
    const { log } = this.options;
    const counts = this.counts.get(report.source);
    if (counts !== undefined) {
      if (report.outcome === 'failed') counts.failures++;
      else counts.successes++;
    }
    const status = this.sync.status().find((s) => s.name === report.source);
    log(report.outcome === 'failed' ? 'warn' : 'info', 'source-sync', {
      source: report.source,
      outcome: report.outcome,
      prefixes: status?.prefixCount ?? 0,
      ...(report.error === undefined ? {} : { code: report.error.code, problem: report.error.message, kept: status?.available === true ? 'last good data' : 'no data' }),
    });
    for (const c of report.changes) {
      log('info', 'source-changed', {
        source: report.source,
        reference: c.reference,
        addedCount: c.added.length,
        removedCount: c.removed.length,
        added: c.added.slice(0, MAX_LOGGED_PREFIXES),
        removed: c.removed.slice(0, MAX_LOGGED_PREFIXES),
      });
    }
    if (report.outcome === 'updated' || (this.refusing && report.outcome !== 'failed')) this.recompile();
  }

  /** Expands the stored profile again; a refusal keeps the last good compiled profile. */
  recompile(): void {
    const state = this.state;
    if (state === undefined) return;
    try {
      const before = state.current.generation;
      if (state.recompile().generation !== before && this.counters !== undefined) this.counters.reloads++;
    } catch (error) {
      if (!(error instanceof IpgateError)) throw error;
      if (this.counters !== undefined) this.counters.reloadFailures++;
      this.options.log('error', 'sources-expansion-refused', {
        problems: problemLines(error),
        kept: this.refusing ? 'refusing every source' : `generation ${state.current.generation}`,
      });
    }
  }

  /** Syncs every source now; resolves after the profile was recompiled with the new data. */
  async syncNow(): Promise<{ reports: SyncReport[]; sources: SourceView[] }> {
    const reports = await this.sync.syncAll();
    return { reports, sources: this.view() };
  }

  whereFrom(matched: string | undefined): PrefixOrigin | undefined {
    return matched === undefined ? undefined : this.state?.current.origins?.get(matched);
  }

  isReference(entry: string): boolean {
    return parseReference(entry) !== undefined;
  }

  /** The sources' status; `withRanges`: each reference also lists the prefixes it expands to now. */
  view(withRanges = false): SourceView[] {
    const profile = this.state?.stored.profile;
    const expanded = profile === undefined ? undefined : expandProfile(profile, this.sync.catalogues(), { unavailable: this.sync.unavailable() });
    return this.sync.status().map((s: SourceStatus) => {
      const config = this.options.sources.find((c) => c.name === s.name);
      const references: SourceView['references'] = [];
      for (const r of expanded?.references ?? []) {
        if (r.source !== s.name) continue;
        const list = r.field === 'authorizedIpRanges' ? expanded?.authorized : expanded?.egress;
        const ranges = withRanges ? [...new Set((list ?? []).filter((x) => x.from === r.entry).map((x) => x.cidr))] : undefined;
        references.push({ entry: r.entry, prefixes: r.prefixes, ...(ranges === undefined ? {} : { ranges }) });
      }
      for (const p of expanded?.problems ?? []) {
        const ref = p.entry === undefined ? undefined : parseReference(p.entry);
        const source = ref === undefined ? undefined : ref.kind === 'reference' ? ref.source : this.options.sources.find((c) => c.type === 'azure-service-tags')?.name;
        if (p.entry !== undefined && source === s.name && p.severity === 'error') references.push({ entry: p.entry, problem: p.message, code: p.code });
      }
      return {
        name: s.name,
        type: s.type,
        ...(config?.url === undefined ? {} : { url: config.url }),
        ...(config?.file === undefined ? {} : { file: config.file }),
        ...(config?.kubeconfig === undefined ? {} : { kubeconfig: config.kubeconfig }),
        ...(config?.inCluster === true ? { inCluster: true } : {}),
        refresh: config?.refresh ?? '24h',
        available: s.available,
        fromCache: s.fromCache,
        prefixCount: s.prefixCount,
        lastAttempt: s.lastAttempt ?? null,
        lastSuccess: s.lastSuccess ?? null,
        lastChange: s.lastChange ?? null,
        lastError: s.lastError ?? null,
        etag: s.etag ?? null,
        lastModified: s.lastModified ?? null,
        nextRefresh: s.nextRefresh ?? null,
        version: s.version ?? null,
        syncs: { ...(this.counts.get(s.name) ?? { successes: 0, failures: 0 }) },
        references,
      };
    });
  }

  /** Explain fields: the reference and source that admitted the matched prefix, when one did. */
  explainFields(matched: string | null | undefined): Record<string, string> {
    const origin = this.whereFrom(matched ?? undefined);
    return origin === undefined ? {} : { reference: origin.reference, source: origin.source };
  }

  stop(): void {
    this.sync.stop();
  }
}

/** Starts the range sources of a config (undefined when it has none). */
export async function startSources(config: GatewayConfig, log: Logger, profiles: ProfileCache): Promise<SourcesBinding | undefined> {
  if (config.sources === undefined || config.sources.length === 0 || config.sourcesCacheDir === undefined) return undefined;
  const f = config.sourceFetch ?? {};
  return SourcesBinding.start({
    sources: config.sources, cacheDir: config.sourcesCacheDir, log, profiles,
    ...(f.timeoutMs === undefined ? {} : { timeoutMs: f.timeoutMs }),
    ...(f.retries === undefined ? {} : { retries: f.retries }),
    ...(f.backoffMs === undefined ? {} : { backoffMs: f.backoffMs }),
  });
}
