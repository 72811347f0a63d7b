/** `ipgate ranges validate [--target ipgate|aks [--vnet-integration]] [-o text|json|yaml] [FILE]`: check a range list offline. */
import { parseCommand, usageError, type CommandDef } from '../args.js';
import { printResult } from '../output.js';
import { readRangeList, type ListEntry, type RangeList } from '../input.js';
import { formatIssue, type ListIssue } from '../list-ranges.js';
import type { ErrorCode } from '../../errors.js';
import { parseRange } from '../../cidr/parse.js';
import { formatRange } from '../../cidr/format.js';
import { validateProfile, type ProfileProblem, type ValidationTarget } from '../../policy/validate.js';

export const COMMAND = {
  name: 'ranges validate',
  summary: 'check a range list offline',
  usage: ['[--target ipgate|aks [--vnet-integration]] [-o text|json|yaml] [FILE | LIST]'],
  description: `Checks a list of authorized IP ranges without changing anything and reports every problem at once.
FILE (or standard input when FILE is missing or "-") holds one entry per line; "#" starts a comment, blank
lines are ignored and commas also separate entries, so a list copied from "az aks show" can be pasted as is;
a JSON array of strings (what "az aks show --query apiServerAccessProfile.authorizedIpRanges" prints) is
read too. Instead of FILE the list itself can be given, comma-separated as AKS takes it: 73.140.245.0/24,AzureCloud.
JSON and YAML hold {valid, entries: [{line, input, ok, canonical | code, message, suggestion?}], problems?}.`,
  options: [
    {
      name: 'target', type: 'string', value: 'ipgate|aks', default: 'ipgate',
      help: `ipgate: IPv4 and IPv6, any number of entries, private ranges allowed.
aks: exactly what AKS accepts: at most 200 entries, IPv4 only, public (global)
ranges only, at most one service tag, 0.0.0.0/32 only on its own.`,
    },
    {
      name: 'vnet-integration', type: 'boolean',
      help: `(with --target aks) the cluster uses API server VNet integration, where AKS
refuses service tags`,
    },
  ],
  output: { human: 'text', forms: ['text', 'json', 'yaml'], aliases: ['json'] },
  examples: [
    'ipgate ranges validate ranges.txt',
    'ipgate ranges validate --target aks -o json ranges.txt',
    'az aks show -g RG -n CLUSTER --query apiServerAccessProfile.authorizedIpRanges -o tsv | ipgate ranges validate --target aks',
    'ipgate ranges validate --target aks --vnet-integration 73.140.245.0/24,AzureDevOps',
  ],
  exitCodes: [[0, 'every entry is valid'], [1, 'the list is not valid (every problem is printed)'], [2, 'usage error or an unreadable file']],
  maxPositionals: 1,
} as const satisfies CommandDef;

type EntryReport =
  | { line: number; input: string; ok: true; canonical: string }
  | { line: number; input: string; ok: false; code: ErrorCode; message: string; suggestion?: string };

interface ListProblemReport {
  code: ErrorCode;
  severity: 'error' | 'warning';
  line?: number;
  input?: string;
  message: string;
  suggestion?: string;
}

function canonical(text: string): string {
  try {
    return formatRange(parseRange(text));
  } catch {
    return text; // a service tag accepted by the aks target
  }
}

function toListProblem(p: ProfileProblem, entry: ListEntry | undefined): ListProblemReport {
  return {
    code: p.code,
    severity: p.severity,
    ...(entry === undefined ? {} : { line: entry.line, input: entry.text }),
    message: p.message,
    ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }),
  };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(COMMAND, argv);
  if (args === undefined) return 0;
  const target = args.values.target ?? 'ipgate';
  if (target !== 'ipgate' && target !== 'aks') {
    throw usageError('ranges validate', `--target must be ipgate or aks, not ${JSON.stringify(target)}`, target);
  }
  const vnetIntegration = args.values['vnet-integration'] === true;
  if (vnetIntegration && target !== 'aks') {
    throw usageError('ranges validate', '--vnet-integration is an AKS rule; give it with --target aks', '--vnet-integration');
  }
  const list = await readRangeList(args.positionals[0]);
  const result = validateProfile({ authorizedIpRanges: list.entries.map((e) => e.text), egressIpRanges: [] }, { target: target satisfies ValidationTarget, vnetIntegration });

  const firstError = new Map<number, ProfileProblem>();
  const extra: ListProblemReport[] = [];
  for (const p of result.problems) {
    const entry = p.index === undefined ? undefined : list.entries[p.index];
    if (p.severity === 'error' && p.index !== undefined && !firstError.has(p.index)) firstError.set(p.index, p);
    else extra.push(toListProblem(p, entry));
  }
  const entries: EntryReport[] = list.entries.map((e, i) => {
    const p = firstError.get(i);
    if (p === undefined) return { line: e.line, input: e.text, ok: true, canonical: canonical(e.text) };
    return { line: e.line, input: e.text, ok: false, code: p.code, message: p.message, ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }) };
  });

  const data = { valid: result.valid, entries, ...(extra.length === 0 ? {} : { problems: extra }) };
  printResult(args.output, data, { text: () => report(list, target, entries, extra, result.valid) });
  return result.valid ? 0 : 1;
}

/** The human report: one line per problem, then a summary line. */
function report(list: RangeList, target: string, entries: readonly EntryReport[], extra: readonly ListProblemReport[], valid: boolean): string {
  const out: string[] = [];
  for (const e of entries) {
    if (!e.ok) out.push(formatIssue(e));
  }
  for (const p of extra) {
    const issue: ListIssue = p;
    out.push(p.severity === 'warning' ? `warning: ${formatIssue(issue)}` : formatIssue(issue));
  }
  const bad = entries.filter((e) => !e.ok).length;
  const n = list.entries.length;
  const summary = valid
    ? n === 0
      ? `${list.source}: no entries: authorized IP ranges are disabled (every address may connect)`
      : `${list.source}: ${n} entr${n === 1 ? 'y' : 'ies'}, all valid for target ${target}`
    : `${list.source}: not valid for target ${target}: ${bad} of ${n} entr${n === 1 ? 'y' : 'ies'} invalid${extra.some((p) => p.severity === 'error') ? ', and problems with the whole list' : ''}`;
  return `${[...out, summary].join('\n')}\n`;
}
