/** `ipgate export`: the profile, with its references resolved, condensed to fit a platform's limit. */
import { IpgateError } from '../../errors.js';
import { parseCommandArgs } from '../args.js';
import { loadSourcesConfig } from '../sources-config.js';
import { failureNotes, resolveConfig } from '../../sources/resolve.js';
import { describePlan, EXPORT_TARGETS, planExport, type ExportTarget } from '../../sources/export-plan.js';
import { EXPORT_FORMATS, formatExport, type ExportFormat } from '../../sources/export-format.js';
import { parseRangeList } from '../../sources/parse-text.js';
import { readListSource } from '../input.js';
import { asLineText } from '../list-text.js';

const HELP = `Usage: ipgate export --config FILE --target aks|gke|eks|ipgate [--max N] [--exclude FILE]
                     [--format lines|json|az|gcloud|aws|terraform] [--expand-tags] [--vnet-integration]

Resolves the config's profile (references to range sources are fetched, or taken from the cache when a
fetch fails) and prints a list that fits the target, condensed optimally: every required address is
covered, no excluded address is, and the fewest extra addresses are added.

  --config FILE   ipgate config with profile: and sources:
  --target T      aks (IPv4, 200 entries; egress IPs left out, AKS adds them), gke (IPv4, 50),
                  eks (IPv4, 40), ipgate (IPv4+IPv6, no limit); gke/eks/ipgate include the egress ranges
  --max N         entry limit instead of the target's
  --exclude FILE  ranges that must never be covered (one per line, # comments, or a JSON array; or the
                  list itself, comma-separated)
  --format F      lines (default), json (with the report), az, gcloud, aws (ready commands), terraform
  --expand-tags   aks: export a service tag as its prefixes (by default the one service tag AKS accepts
                  is passed through as the tag, one entry)
  --vnet-integration
                  aks: the cluster uses API server VNet integration, where AKS refuses service tags
                  (a tag is then an error unless --expand-tags)

The report (count, extra addresses and their share, warnings) goes to stderr, or into the JSON.
`;

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new IpgateError('ERR_USAGE', `ipgate export: ${flag} must be one of ${allowed.join(', ')}, got "${value}"`, { input: value });
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs({
    name: 'export', help: HELP, maxPositionals: 0,
    options: {
      config: { type: 'string' }, target: { type: 'string' }, max: { type: 'string' },
      exclude: { type: 'string' }, format: { type: 'string' }, 'expand-tags': { type: 'boolean' }, 'vnet-integration': { type: 'boolean' },
    },
  }, argv);
  if (parsed === undefined) return 0;
  const { values } = parsed;
  if (values.config === undefined) throw new IpgateError('ERR_USAGE', 'ipgate export: --config FILE is required; see \'ipgate export --help\'');
  if (values.target === undefined) throw new IpgateError('ERR_USAGE', `ipgate export: --target is required (${EXPORT_TARGETS.join(', ')})`);
  const target: ExportTarget = oneOf(values.target, EXPORT_TARGETS, '--target');
  const format: ExportFormat = oneOf(values.format ?? 'lines', EXPORT_FORMATS, '--format');
  for (const flag of ['expand-tags', 'vnet-integration'] as const) {
    if (values[flag] === true && target !== 'aks') throw new IpgateError('ERR_USAGE', `ipgate export: --${flag} applies to --target aks only`, { input: `--${flag}` });
  }
  let max: number | undefined;
  if (values.max !== undefined) {
    if (!/^[1-9]\d{0,6}$/.test(values.max)) {
      throw new IpgateError('ERR_USAGE', `ipgate export: --max must be a whole number of at least 1, got "${values.max}"`, { input: values.max });
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
  if (format === 'json') {
    for (const n of notes) plan.warnings.push(n);
  } else {
    for (const n of [...notes, ...plan.warnings]) process.stderr.write(`ipgate export: warning: ${n}\n`);
    process.stderr.write(`ipgate export: ${describePlan(plan)}\n`);
  }
  process.stdout.write(formatExport(plan, format));
  return 0;
}
