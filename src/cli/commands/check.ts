/** `ipgate check ADDRESS --ranges FILE [--json]`: would this address be allowed by this list? */
import { parseCommandArgs } from '../args.js';
import { writeJson } from '../output.js';
import { readRangeList } from '../input.js';
import { listInvalid, type ListIssue } from '../list-ranges.js';
import { IpgateError } from '../../errors.js';
import { parseAddress } from '../../cidr/parse.js';
import { formatAddress } from '../../cidr/format.js';
import { validateProfile } from '../../policy/validate.js';
import { compileProfile } from '../../policy/decide.js';

const HELP = `Usage: ipgate check ADDRESS --ranges FILE [--json]

Says whether ADDRESS may connect under the authorized IP ranges in FILE (AKS semantics: an empty list
disables the feature and allows everyone; 0.0.0.0/32 alone allows only the cluster's egress addresses).
FILE holds one entry per line ("#" comments, commas also separate entries) or a JSON array of strings;
"-" reads standard input; the list itself can be given instead (--ranges 73.140.245.0/24,193.168.1.0/24).
An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is checked as the IPv4 address.

Options:
  --ranges FILE  the list of authorized ranges (required)
  --json         print {"address","allowed","reason","matched","line"} as JSON
  -h, --help     show this help

Exit status: 0 allowed (the matching entry is printed), 1 denied, 2 bad input (address, list or usage).
`;

const SPEC = {
  name: 'check',
  help: HELP,
  options: { ranges: { type: 'string' }, json: { type: 'boolean' } },
  maxPositionals: 1,
} as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args === undefined) return 0;
  const text = args.positionals[0];
  if (text === undefined) throw new IpgateError('ERR_USAGE', "ipgate check: missing ADDRESS; see 'ipgate check --help'");
  const path = args.values.ranges;
  if (path === undefined) throw new IpgateError('ERR_USAGE', "ipgate check: missing --ranges FILE; see 'ipgate check --help'");
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
  if (args.values.json === true) {
    writeJson({
      address: text,
      ...(shown === text ? {} : { canonical: shown }),
      allowed: verdict.allowed,
      reason: verdict.reason,
      ...(verdict.matched === undefined ? {} : { matched: verdict.matched }),
      ...(line === undefined ? {} : { line }),
    });
    return verdict.allowed ? 0 : 1;
  }
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
  process.stdout.write(`${message}\n`);
  return verdict.allowed ? 0 : 1;
}
