/** `ipgate export`: the profile, with its references resolved, condensed to fit a platform's limit. */
import { parseCommand, usageError, type CommandDef } from '../args.js';
import { printResult } from '../output.js';
import { loadSourcesConfig } from '../sources-config.js';
import { failureNotes, resolveConfig } from '../../sources/resolve.js';
import { describePlan, EXPORT_TARGETS, planExport, type ExportTarget } from '../../sources/export-plan.js';
import { EXPORT_FORMATS, exportJson, formatExport, type ExportFormat } from '../../sources/export-format.js';
import { parseRangeList } from '../../sources/parse-text.js';
import { readListSource } from '../input.js';
import { asLineText } from '../list-text.js';

/** Every -o form: the provider formats of sources/export-format.ts, and YAML. */
const FORMS = ['lines', 'json', 'yaml', ...EXPORT_FORMATS.filter((f) => f !== 'lines' && f !== 'json')] as const;

export const COMMAND = {
  name: 'export',
  summary: 'export the profile, with range sources resolved, condensed for AKS/GKE/EKS',
  usage: ['--config FILE --target aks|gke|eks|ipgate [--max N] [--exclude FILE] [--expand-tags] [--vnet-integration] [-o FORMAT]'],
  description: `Resolves the config's profile (references to range sources are fetched, or taken from the cache when a
fetch fails) and prints a list that fits the target, condensed optimally: every required address is
covered, no excluded address is, and the fewest extra addresses are added.
The report (count, extra addresses and their share, warnings) goes to stderr, or into the data with
-o json or -o yaml: {target, count, limit, requiredPrefixes, requiredAddresses, extraAddresses,
extraShare, egressIncluded, warnings, ranges}.`,
  options: [
    { name: 'config', type: 'string', value: 'FILE', help: 'ipgate config with profile: (or store:) and sources: (required)' },
    {
      name: 'target', type: 'string', value: 'T',
      help: `the platform (required): aks (IPv4, 200 entries; egress IPs left out, AKS adds them),
gke (IPv4, 50), eks (IPv4, 40), ipgate (IPv4+IPv6, no limit); gke, eks and ipgate
include the egress ranges`,
    },
    { name: 'max', type: 'string', value: 'N', help: "entry limit instead of the target's" },
    {
      name: 'exclude', type: 'string', value: 'FILE',
      help: `ranges that must never be covered (one per line, # comments, or a JSON array;
or the list itself, comma-separated)`,
    },
    {
      name: 'expand-tags', type: 'boolean',
      help: `aks: export a service tag as its prefixes (by default the one service tag AKS
accepts is passed through as the tag, one entry)`,
    },
    {
      name: 'vnet-integration', type: 'boolean',
      help: `aks: the cluster uses API server VNet integration, where AKS refuses service tags
(a tag is then an error unless --expand-tags)`,
    },
  ],
  output: {
    human: 'lines',
    forms: FORMS,
    aliases: ['format'],
    help: `az, gcloud, aws: the provider's update command; terraform: a variable block.
--format takes the same forms`,
  },
  examples: [
    'ipgate export --config ipgate.yaml --target aks',
    'ipgate export --config ipgate.yaml --target aks -o az',
    'ipgate export --config ipgate.yaml --target gke --exclude private.txt -o json',
    'ipgate export --config ipgate.yaml --target aks --vnet-integration --expand-tags -o az',
  ],
  exitCodes: [[0, 'the list was printed'], [2, 'bad input: config, profile, a cover that does not fit (the error names the smallest limit that works), usage']],
  maxPositionals: 0,
} as const satisfies CommandDef;

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw usageError('export', `${flag} must be one of ${allowed.join(', ')}, got "${value}"`, value);
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(COMMAND, argv);
  if (parsed === undefined) return 0;
  const { values, output } = parsed;
  if (values.config === undefined) throw usageError('export', '--config FILE is required');
  if (values.target === undefined) throw usageError('export', `--target is required (${EXPORT_TARGETS.join(', ')})`);
  const target: ExportTarget = oneOf(values.target, EXPORT_TARGETS, '--target');
  for (const flag of ['expand-tags', 'vnet-integration'] as const) {
    if (values[flag] === true && target !== 'aks') throw usageError('export', `--${flag} applies to --target aks only`, `--${flag}`);
  }
  let max: number | undefined;
  if (values.max !== undefined) {
    if (!/^[1-9]\d{0,6}$/.test(values.max)) {
      throw usageError('export', `--max must be a whole number of at least 1, got "${values.max}"`, values.max);
    }
    max = Number(values.max);
  }
  let exclude;
  if (values.exclude !== undefined) {
    const { source, text } = await readListSource(values.exclude);
    exclude = parseRangeList(asLineText(text, source), `--exclude ${source}`, 'ERR_EXCLUDE_PARSE');
  }
  const config = await loadSourcesConfig(values.config);
  const resolved = await resolveConfig(config);
  const notes = failureNotes(resolved);
  const plan = planExport(resolved.expanded, {
    target, ...(max === undefined ? {} : { max }), ...(exclude === undefined ? {} : { exclude }),
    expandTags: values['expand-tags'] === true, vnetIntegration: values['vnet-integration'] === true,
  });
  if (output === 'json' || output === 'yaml') {
    // The report goes into the data.
    for (const n of notes) plan.warnings.push(n);
    printResult(output, exportJson(plan), {});
    return 0;
  }
  for (const n of [...notes, ...plan.warnings]) process.stderr.write(`ipgate export: warning: ${n}\n`);
  process.stderr.write(`ipgate export: ${describePlan(plan)}\n`);
  process.stdout.write(formatExport(plan, output as ExportFormat));
  return 0;
}
