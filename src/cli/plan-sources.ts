/**
 * The range sources `ipgate plan` resolves references with (`--config ipgate.yaml` or `--sources FILE`),
 * offline: the cached copies (`ipgate sources sync` keeps them), and local `file:` sources read as they are
 * now; nothing is downloaded and no API server is asked. A reference that cannot be resolved says why
 * (no such source or selector, no data here), and the planner reports it as undecidable, never as admitted.
 */
import { resolve as resolvePath } from 'node:path';
import { IpgateError } from '../errors.js';
import { loadSourcesFile } from '../config/sources-file.js';
import type { ResolvedSource, SourceResolver } from '../planner/sources.js';
import { parseReference, resolveReference } from '../sources/reference.js';
import type { SourceConfig } from '../sources/schema.js';
import { SourceSync } from '../sources/sync.js';
import { loadSourcesConfig } from './sources-config.js';

export interface PlanSources {
  readonly resolve: SourceResolver;
  /** Where the sources came from, for messages. */
  readonly origin: string;
}

async function offlineSync(sources: readonly SourceConfig[], baseDir: string, cacheDir: string): Promise<SourceSync> {
  const sync = new SourceSync({ sources, baseDir, cacheDir, writeCache: false });
  await sync.loadCache();
  await Promise.all(sources.filter((s) => s.file !== undefined).map((s) => sync.sync(s.name)));
  sync.stop();
  return sync;
}

export async function planSources(options: { config?: string | undefined; sources?: string | undefined }): Promise<PlanSources | undefined> {
  let sources: SourceConfig[];
  let baseDir: string;
  let cacheDir: string;
  let origin: string;
  if (options.config !== undefined) {
    const config = await loadSourcesConfig(options.config);
    ({ sources, baseDir, cacheDir } = config);
    origin = options.config;
  } else if (options.sources !== undefined) {
    ({ sources, baseDir, cacheDir } = await loadSourcesFile(options.sources));
    origin = options.sources;
  } else {
    return undefined;
  }
  baseDir = resolvePath(baseDir);
  const sync = await offlineSync(sources, baseDir, cacheDir);
  const catalogues = sync.catalogues();
  const unavailable = new Set(sync.unavailable());
  const failed = new Map(sync.status().filter((s) => s.lastError !== undefined).map((s) => [s.name, s.lastError?.message ?? '']));
  const resolve: SourceResolver = (reference): ResolvedSource => {
    const parsed = parseReference(reference.text);
    if (parsed === undefined) return { problem: 'not a reference to a range source' };
    const name = parsed.kind === 'reference' ? parsed.source : sources.find((s) => s.type === 'azure-service-tags')?.name;
    if (name !== undefined && unavailable.has(name)) {
      const why = failed.get(name);
      const fix = options.config !== undefined ? `run 'ipgate sources sync --config ${origin}' to fetch it` : 'give it a file: (a downloaded copy), or sync it once with a config that lists it';
      return { problem: `source "${name}" has no data here${why === undefined ? '' : ` (${why})`}; ${fix}` };
    }
    try {
      const resolved = resolveReference(parsed, catalogues, reference.text);
      const tag = resolved.type === 'azure-service-tags' && resolved.selector !== '' && !resolved.selector.includes('=') ? resolved.selector : undefined;
      return { ranges: resolved.ranges, ...(tag === undefined ? {} : { serviceTag: tag }) };
    } catch (error) {
      if (error instanceof IpgateError) return { problem: error.message };
      throw error;
    }
  };
  return { resolve, origin };
}
