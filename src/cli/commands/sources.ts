/**
 * `ipgate sources show|sync`: the range sources of a running gateway (`--server URL --token-file F`, through
 * its admin API), or, offline, of a config file (`--config FILE`): `show` reads the cache (and local `file:`
 * sources) without any network access; `sync` fetches every source once, updates the cache and prints what
 * changed.
 */
import { IpgateError } from '../../errors.js';
import { parseCommandArgs } from '../args.js';
import { writeJson } from '../output.js';
import { resolveTarget } from '../client.js';
import { startProgress } from '../progress.js';
import { showServer, syncServer } from './sources-server.js';
import { loadSourcesConfig } from '../sources-config.js';
import type { SourcesConfig } from '../../sources/resolve.js';
import { SourceSync, type SourceStatus } from '../../sources/sync.js';
import { expandProfile } from '../../sources/expand.js';
import { listSelectors } from '../../sources/select.js';
import type { Catalogue } from '../../sources/types.js';

const HELP = `Usage: ipgate sources show --server URL --token-file F [--output json]
       ipgate sources sync --server URL --token-file F [--output json] [--timeout SECONDS]
       ipgate sources show --config FILE [--all] [--output json]
       ipgate sources sync --config FILE [--output json]

With --server (or IPGATE_SERVER): the sources of a running gateway. show lists each source (type, origin,
last success, last error, ETag, prefix counts, next refresh) and the profile's references; sync makes the
gateway sync every source now and prints what changed (the gateway enforces the result at once).
  --server URL        the gateway's admin API, e.g. http://127.0.0.1:9090
  --token-file F      file holding the admin bearer token (or IPGATE_TOKEN_FILE)
  --timeout SECONDS   give up after this long (default 10 for show, 300 for sync)

With --config FILE (offline, no gateway needed):
show  lists the configured sources with their cache status and prefix counts, and the prefix count of
      every reference in the profile (--all: of every selector of every source). No network access:
      URL sources are read from the cache (.ipgate-cache/sources next to the config file).
sync  fetches every source once (ETag / If-Modified-Since), updates the cache and prints what changed.
`;

function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

function statusRows(status: readonly SourceStatus[]): string[][] {
  return [['NAME', 'TYPE', 'PREFIXES', 'DATA', 'LAST SUCCESS', 'ETAG', 'ORIGIN'], ...status.map((s) => [
    s.name, s.type, String(s.prefixCount),
    s.available ? (s.fromCache ? 'cache' : 'current') : 'none',
    s.lastSuccess ?? '-', s.etag ?? '-', s.origin,
  ])];
}

async function loadOffline(config: SourcesConfig): Promise<SourceSync> {
  const sync = new SourceSync({ sources: config.sources, baseDir: config.baseDir, cacheDir: config.cacheDir });
  await sync.loadCache();
  // Local files are read as they are now; URL sources stay as cached.
  await Promise.all(config.sources.filter((s) => s.file !== undefined).map((s) => sync.sync(s.name)));
  sync.stop();
  return sync;
}

async function show(config: SourcesConfig, all: boolean, json: boolean): Promise<number> {
  const sync = await loadOffline(config);
  const catalogues = sync.catalogues();
  const expanded = expandProfile(config.profile, catalogues, { unavailable: sync.unavailable() });
  const selectors = all ? catalogues.map((c: Catalogue) => ({ source: c.source, selectors: listSelectors(c) })) : undefined;
  if (json) {
    writeJson({ sources: sync.status(), references: expanded.references, problems: expanded.problems, ...(selectors === undefined ? {} : { selectors }) });
    return 0;
  }
  process.stdout.write(config.sources.length === 0 ? 'No sources configured.\n' : table(statusRows(sync.status())));
  for (const s of sync.status()) if (s.lastError !== undefined) process.stdout.write(`  ${s.name}: ${s.lastError.message} (${s.lastError.code})\n`);
  if (expanded.references.length > 0) {
    process.stdout.write(`\nReferences in the profile:\n${table([['REFERENCE', 'SOURCE', 'PREFIXES'], ...expanded.references.map((r) => [r.entry, r.source, String(r.prefixes)])])}`);
  }
  for (const p of expanded.problems) process.stdout.write(`problem: ${p.message} (${p.code})\n`);
  for (const group of selectors ?? []) {
    process.stdout.write(`\nSelectors of ${group.source}:\n${table([['SELECTOR', 'PREFIXES'], ...group.selectors.map((s) => [`${group.source}:${s.selector}`, String(s.prefixes)])])}`);
  }
  return expanded.problems.some((p) => p.severity === 'error') ? 1 : 0;
}

async function syncOnce(config: SourcesConfig, json: boolean): Promise<number> {
  const references = [...config.profile.authorizedIpRanges, ...config.profile.egressIpRanges];
  const sync = new SourceSync({ sources: config.sources, baseDir: config.baseDir, cacheDir: config.cacheDir, references: () => references });
  await sync.loadCache();
  const progress = startProgress(`syncing ${config.sources.length} source(s)`);
  let done = 0;
  const reports = await Promise.all(config.sources.map(async (s) => {
    const report = await sync.sync(s.name);
    progress.update(`${++done}/${config.sources.length}`);
    return report;
  })).finally(() => progress.done());
  sync.stop();
  if (json) {
    writeJson({ reports, sources: sync.status() });
  } else {
    for (const r of reports) {
      process.stdout.write(`${r.source}: ${r.outcome}${r.error === undefined ? '' : ` - ${r.error.message} (${r.error.code})`}\n`);
      for (const c of r.changes) process.stdout.write(`  ${c.reference}: +${c.added.length} -${c.removed.length}\n`);
    }
  }
  return reports.some((r) => r.outcome === 'failed') ? 1 : 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'show' && sub !== 'sync') {
    throw new IpgateError('ERR_USAGE', `ipgate sources: unknown subcommand "${sub}" (show, sync)`, { input: sub });
  }
  const parsed = parseCommandArgs({
    name: `sources ${sub}`, help: HELP, maxPositionals: 0,
    options: {
      config: { type: 'string' }, output: { type: 'string' }, all: { type: 'boolean' },
      server: { type: 'string' }, 'token-file': { type: 'string' }, timeout: { type: 'string' },
    },
  }, rest);
  if (parsed === undefined) return 0;
  const { values } = parsed;
  if (values.output !== undefined && values.output !== 'json' && values.output !== 'table') {
    throw new IpgateError('ERR_USAGE', `ipgate sources ${sub}: --output must be table or json`, { input: values.output });
  }
  const json = values.output === 'json';
  if (values.config === undefined) {
    if (values.all === true) throw new IpgateError('ERR_USAGE', `ipgate sources ${sub}: --all needs --config FILE (it lists the selectors of the cached data)`);
    const target = resolveTarget(values.server, values['token-file'], values.timeout ?? (sub === 'sync' ? '300' : undefined));
    return sub === 'show' ? showServer(target, json) : syncServer(target, json);
  }
  if (values.server !== undefined || values['token-file'] !== undefined) {
    throw new IpgateError('ERR_USAGE', `ipgate sources ${sub}: give either --config FILE (offline) or --server URL --token-file F, not both`);
  }
  const config = await loadSourcesConfig(values.config);
  return sub === 'show' ? show(config, values.all === true, json) : syncOnce(config, json);
}
