/** `ipgate check ADDRESS --ranges FILE [-o text|json|yaml]`: would this address be allowed by this list? */
import { parseCommand, usageError, type CommandDef } from '../args.js';
import { printResult } from '../output.js';
import { readRangeList, type RangeList } from '../input.js';
import { listInvalid, type ListIssue } from '../list-ranges.js';
import { parseAddress } from '../../cidr/parse.js';
import { formatAddress } from '../../cidr/format.js';
import { validateProfile } from '../../policy/validate.js';
import { compileProfile } from '../../policy/decide.js';
import type { Verdict } from '../../policy/profile.js';

export const COMMAND = {
  name: 'check',
  summary: 'check one address against a range list',
  usage: ['ADDRESS --ranges FILE [-o text|json|yaml]'],
  description: `Says whether ADDRESS may connect under the authorized IP ranges in FILE (AKS semantics: an empty list
disables the feature and allows everyone; 0.0.0.0/32 alone allows only the cluster's egress addresses).
FILE holds one entry per line ("#" comments, commas also separate entries) or a JSON array of strings;
"-" reads standard input; the list itself can be given instead (--ranges 73.140.245.0/24,193.168.1.0/24).
An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is checked as the IPv4 address.
JSON and YAML hold {address, canonical?, allowed, reason, matched?, line?}.`,
  options: [{ name: 'ranges', type: 'string', value: 'FILE', help: 'the list of authorized ranges (required)' }],
  output: { human: 'text', forms: ['text', 'json', 'yaml'], aliases: ['json'] },
  examples: [
    'ipgate check 73.140.245.200 --ranges ranges.txt',
    'ipgate check ::ffff:73.140.245.9 --ranges ranges.txt -o json',
    "az aks show -g RG -n CLUSTER --query apiServerAccessProfile.authorizedIpRanges -o tsv | ipgate check 203.0.113.7 --ranges -",
  ],
  exitCodes: [[0, 'allowed (the matching entry is printed)'], [1, 'denied'], [2, 'bad input: the address, the list (every bad line named) or usage']],
  maxPositionals: 1,
} as const satisfies CommandDef;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(COMMAND, argv);
  if (args === undefined) return 0;
  const text = args.positionals[0];
  if (text === undefined) throw usageError('check', 'missing ADDRESS');
  const path = args.values.ranges;
  if (path === undefined) throw usageError('check', 'missing --ranges FILE');
  const address = parseAddress(text);
  const list = await readRangeList(path);
  const profile = { authorizedIpRanges: list.entries.map((e) => e.text), egressIpRanges: [] };
  const validation = validateProfile(profile, { target: 'ipgate' });
  if (!validation.valid) {
    const issues: ListIssue[] = validation.problems
      .filter((p) => p.severity === 'error')
      .map((p) => {
        const entry = p.index === undefined ? undefined : list.entries[p.index];
        return { code: p.code, ...(entry === undefined ? {} : { line: entry.line, input: entry.text }), message: p.message, ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }) };
      });
    throw listInvalid(list, issues);
  }
  const verdict = compileProfile(profile).decide(address);
  const line = verdict.matched === undefined ? undefined : list.entries.find((e) => e.text === verdict.matched)?.line;
  const shown = formatAddress(address);
  const data = {
    address: text,
    ...(shown === text ? {} : { canonical: shown }),
    allowed: verdict.allowed,
    reason: verdict.reason,
    ...(verdict.matched === undefined ? {} : { matched: verdict.matched }),
    ...(line === undefined ? {} : { line }),
  };
  printResult(args.output, data, { text: () => `${sentence(text, shown, verdict, line, list)}\n` });
  return verdict.allowed ? 0 : 1;
}

/** The verdict in words, naming the entry and its line. */
function sentence(text: string, shown: string, verdict: Verdict, line: number | undefined, list: RangeList): string {
  const who = shown === text ? text : `${text} (${shown})`;
  let message: string;
  switch (verdict.reason) {
    case 'authorized':
      message = `allowed: ${who} is in ${verdict.matched ?? ''} (${list.source} line ${line ?? '?'})`;
      break;
    case 'disabled':
      message = `allowed: ${list.source} has no entries, so authorized IP ranges are disabled and every address may connect`;
      break;
    case 'egress-only':
      message = `denied: ${list.source} holds only 0.0.0.0/32, so only the cluster's egress addresses may connect`;
      break;
    case 'egress':
      message = `allowed: ${who} is an egress address (${verdict.matched ?? ''})`;
      break;
    default:
      message = `denied: ${who} is in none of the ${list.entries.length} entries of ${list.source}`;
  }
  return message;
}
