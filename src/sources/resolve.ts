/**
 * One-shot resolution for offline commands (`ipgate export`, `ipgate sources sync`): load the cached copies,
 * sync every source once (URL fetch or file read; failures keep the cached copy), and expand the profile.
 */
import type { Profile } from '../policy/profile.js';
import type { SourceConfig } from './schema.js';
import { SourceSync, type SourceStatus, type SyncReport } from './sync.js';
import { expandProfile, type ExpandedProfile } from './expand.js';

/** What one-shot commands need from a config file: the profile (references as written) and the sources. */
export interface SourcesConfig {
  readonly path: string;
  /** Directory relative `file:` paths are resolved against. */
  readonly baseDir: string;
  /** Where the last good copy of each source is kept (shared with \`ipgate serve\`). */
  readonly cacheDir: string;
  readonly profile: Profile;
  readonly sources: SourceConfig[];
}

export interface Resolved {
  readonly expanded: ExpandedProfile;
  readonly reports: SyncReport[];
  readonly status: SourceStatus[];
}

export interface ResolveOptions {
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly backoffMs?: number;
}

export async function resolveConfig(config: SourcesConfig, options: ResolveOptions = {}): Promise<Resolved> {
  const references = [...config.profile.authorizedIpRanges, ...config.profile.egressIpRanges];
  const sync = new SourceSync({
    sources: config.sources, baseDir: config.baseDir, cacheDir: config.cacheDir, references: () => references,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
  });
  await sync.loadCache();
  const reports = await sync.syncAll();
  sync.stop();
  const expanded = expandProfile(config.profile, sync.catalogues(), { unavailable: sync.unavailable() });
  return { expanded, reports, status: sync.status() };
}

/** Lines for stderr about sources that failed (and what is used instead). */
export function failureNotes(resolved: Resolved): string[] {
  const notes: string[] = [];
  for (const r of resolved.reports) {
    if (r.error === undefined) continue;
    const st = resolved.status.find((s) => s.name === r.source);
    const fallback = st?.available === true ? 'using the cached copy' : 'no cached copy';
    notes.push(`source "${r.source}": ${r.error.message} (${r.error.code}); ${fallback}`);
  }
  return notes;
}
