/**
 * `ipgate sources show|sync`: the range sources of a running gateway (`--server URL --token-file F`, through
 * its admin API), or, offline, of a config file (`--config FILE`): `show` reads the cache (and local `file:`
 * sources) without any network access; `sync` fetches every source once, updates the cache and prints what
 * changed.
 */
import { parseCommand, usageError, type CommandDef } from '../args.js';
import { CONNECTION_OPTIONS, ERROR_EXITS, SERVER_OPTIONS } from '../common-options.js';
import type { GroupDef } from '../help.js';
import { runGroup } from '../group.js';
import { printResult } from '../output.js';
import { resolveTarget } from '../client.js';
import { startProgress } from '../progress.js';
import { showServer, syncServer } from './sources-server.js';
import { loadSourcesConfig } from '../sources-config.js';
import type { SourcesConfig } from '../../sources/resolve.js';
import { SourceSync, type SourceStatus } from '../../sources/sync.js';
import { expandProfile } from '../../sources/expand.js';
import { listSelectors } from '../../sources/select.js';
import type { Catalogue } from '../../sources/types.js';

const CONFIG_OPTION = { name: 'config', type: 'string', value: 'FILE', help: 'work offline on the sources of this ipgate config (no gateway needed)' } as const;
const SOURCES_OUTPUT = { human: 'table', forms: ['table', 'json', 'yaml'] } as const;
const MODES = `With --server (or IPGATE_SERVER) it works on a running gateway, through its admin API; with
--config FILE it works offline on the sources of that config file (the cache in
.ipgate-cache/sources next to it), without any gateway.`;

const SHOW_OPTIONS = [
  ...SERVER_OPTIONS,
  CONFIG_OPTION,
  { name: 'all', type: 'boolean', help: 'with --config: also list every selector of every source and its prefix count' },
] as const;

const SYNC_OPTIONS = [
  ...CONNECTION_OPTIONS,
  { name: 'timeout', type: 'string', value: 'SECONDS', default: '300', help: 'give up after this long' },
  CONFIG_OPTION,
] as const;

export const SHOW: CommandDef<typeof SHOW_OPTIONS> = {
  name: 'sources show',
  summary: 'show the range sources: data, cache, last sync, and the references of the profile',
  usage: ['--server URL --token-file FILE [-o table|json|yaml]', '--config FILE [--all] [-o table|json|yaml]'],
  description: `Lists each range source (type, prefix count, whether its data is current or from the cache, last success,
ETag, origin, the last error) and the prefix count of every reference in the profile.
${MODES}
Offline, URL sources are read from the cache only: show never touches the network.`,
  options: SHOW_OPTIONS,
  output: SOURCES_OUTPUT,
  examples: [
    'ipgate sources show --server http://127.0.0.1:9090 --token-file admin.token',
    'ipgate sources show --config ipgate.yaml --all',
    'ipgate sources show --config ipgate.yaml -o yaml',
  ],
  exitCodes: [[0, 'every source has data and every reference resolves'], [1, 'a source has no data or a reference has a problem'], ...ERROR_EXITS],
  maxPositionals: 0,
};

export const SYNC: CommandDef<typeof SYNC_OPTIONS> = {
  name: 'sources sync',
  summary: 'fetch every range source now and show what changed',
  usage: ['--server URL --token-file FILE [--timeout SECONDS] [-o table|json|yaml]', '--config FILE [-o table|json|yaml]'],
  description: `Syncs every range source now (ETag / If-Modified-Since) and prints what changed per reference.
${MODES}
With --server the gateway enforces the result at once; with --config the cache is updated.
A failed source keeps its last good data. A progress line is shown on stderr in a terminal.`,
  options: SYNC_OPTIONS,
  output: SOURCES_OUTPUT,
  examples: [
    'ipgate sources sync --server http://127.0.0.1:9090 --token-file admin.token',
    'ipgate sources sync --config ipgate.yaml -o json',
  ],
  exitCodes: [[0, 'every source synced'], [1, 'a source failed (its last good data stays in use)'], ...ERROR_EXITS],
  maxPositionals: 0,
};

export const GROUP: GroupDef = {
  name: 'sources',
  usage: ['show|sync [options]'],
  description: `The provider range sources (Azure Service Tags, AWS, GCP, GitHub, text lists) of a running gateway
(--server) or of a config file (--config).`,
  commands: [
    { name: 'show', summary: SHOW.summary },
    { name: 'sync', summary: SYNC.summary },
  ],
  examples: ['ipgate sources show --server http://127.0.0.1:9090 --token-file admin.token', 'ipgate sources sync --config ipgate.yaml', 'ipgate sources show --help'],
  exitCodes: [[0, 'help was shown'], [2, 'no or an unknown subcommand']],
};

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

async function show(config: SourcesConfig, all: boolean, output: string): Promise<number> {
  const sync = await loadOffline(config);
  const catalogues = sync.catalogues();
  const expanded = expandProfile(config.profile, catalogues, { unavailable: sync.unavailable() });
  const selectors = all ? catalogues.map((c: Catalogue) => ({ source: c.source, selectors: listSelectors(c) })) : undefined;
  const data = { sources: sync.status(), references: expanded.references, problems: expanded.problems, ...(selectors === undefined ? {} : { selectors }) };
  printResult(output, data, {
    table: () => {
      let out = config.sources.length === 0 ? 'No sources configured.\n' : table(statusRows(sync.status()));
      for (const s of sync.status()) if (s.lastError !== undefined) out += `  ${s.name}: ${s.lastError.message} (${s.lastError.code})\n`;
      if (expanded.references.length > 0) {
        out += `\nReferences in the profile:\n${table([['REFERENCE', 'SOURCE', 'PREFIXES'], ...expanded.references.map((r) => [r.entry, r.source, String(r.prefixes)])])}`;
      }
      for (const p of expanded.problems) out += `problem: ${p.message} (${p.code})\n`;
      for (const group of selectors ?? []) {
        out += `\nSelectors of ${group.source}:\n${table([['SELECTOR', 'PREFIXES'], ...group.selectors.map((s) => [`${group.source}:${s.selector}`, String(s.prefixes)])])}`;
      }
      return out;
    },
  });
  // JSON and YAML exit 0 (as --output json always has); the table's exit says whether anything is broken.
  if (output !== 'table') return 0;
  return expanded.problems.some((p) => p.severity === 'error') ? 1 : 0;
}

async function syncOnce(config: SourcesConfig, output: string): Promise<number> {
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
  printResult(output, { reports, sources: sync.status() }, {
    table: () => reports.map((r) => `${r.source}: ${r.outcome}${r.error === undefined ? '' : ` - ${r.error.message} (${r.error.code})`}\n${
      r.changes.map((c) => `  ${c.reference}: +${c.added.length} -${c.removed.length}\n`).join('')}`).join(''),
  });
  return reports.some((r) => r.outcome === 'failed') ? 1 : 0;
}

export function run(argv: string[]): Promise<number> {
  return runGroup(GROUP, argv, { show: runShow, sync: runSync });
}

/** --config (offline) or --server (a gateway): flags given together are a usage error; the environment only fills in. */
function offlineConflict(name: string, parsed: { values: Partial<Record<'server' | 'token-file' | 'context' | 'cacert' | 'cert' | 'key', string>>; fromEnv: ReadonlySet<string> }): void {
  const given = (['server', 'token-file', 'context', 'cacert', 'cert', 'key'] as const).filter((o) => parsed.values[o] !== undefined && !parsed.fromEnv.has(o));
  if (given.length > 0) throw usageError(name, `give either --config FILE (offline) or a gateway (--server, --token-file, --context, ...), not both (--${given[0] ?? ''} was given)`);
}

async function runShow(argv: string[]): Promise<number> {
  const parsed = parseCommand(SHOW, argv);
  if (parsed === undefined) return 0;
  const { values, output } = parsed;
  if (values.config === undefined) {
    if (values.all === true) throw usageError('sources show', '--all needs --config FILE (it lists the selectors of the cached data)');
    return showServer(resolveTarget(values), output);
  }
  offlineConflict('sources show', parsed);
  return show(await loadSourcesConfig(values.config), values.all === true, output);
}

async function runSync(argv: string[]): Promise<number> {
  const parsed = parseCommand(SYNC, argv);
  if (parsed === undefined) return 0;
  const { values, output } = parsed;
  if (values.config === undefined) return syncServer(resolveTarget({ ...values, timeout: values.timeout ?? '300' }), output);
  offlineConflict('sources sync', parsed);
  return syncOnce(await loadSourcesConfig(values.config), output);
}
