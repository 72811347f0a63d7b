/** `ipgate condense --max K [--exclude FILE] [--format lines|json] [FILE]`: the optimal cover in K prefixes. */
import { parseCommandArgs } from '../args.js';
import { readRangeList } from '../input.js';
import { parseListRanges } from '../list-ranges.js';
import { IpgateError } from '../../errors.js';
import { condense, extraShare, type CondenseObjective } from '../../cidr/condense.js';
import { formatRange } from '../../cidr/format.js';
import type { Range } from '../../cidr/types.js';

const HELP = `Usage: ipgate condense --max K [--exclude FILE] [--format lines|json] [FILE]

Prints at most K prefixes that cover every address of the list in FILE (or standard input when FILE is
missing or "-") and no address of the --exclude list, with the fewest extra addresses possible (an
optimal cover, not a greedy one). Use it to fit a long list into a limit, e.g. --max 200 for AKS.
When no such cover exists, the error names the smallest K that works.
Lists hold one entry per line; "#" starts a comment and commas also separate entries; a JSON array of
strings is read too, and a list can be given itself instead of a file (comma-separated).

Options:
  --max K                 largest number of prefixes in the result (required)
  --exclude FILE          ranges that must not be covered (e.g. your private networks)
  --format lines|json     lines (default): one prefix a line on stdout, the cost on stderr;
                          json: {"ranges","count","inputEntries","requiredAddresses","extraAddresses",
                          "extraShare","families":[{"family","count","requiredAddresses","extraAddresses","extraShare"}]}
  --objective share|addresses
                          how IPv4 and IPv6 share the budget when the list has both: share (default)
                          keeps each family's extra share small; addresses minimises the total count of
                          extra addresses, which lets IPv6's size starve IPv4 (possibly down to 0.0.0.0/0)
  -h, --help              show this help

Exit status: 0 on success, 2 for invalid input, an unreadable file or a K too small.
`;

const SPEC = {
  name: 'condense',
  help: HELP,
  options: { max: { type: 'string' }, exclude: { type: 'string' }, format: { type: 'string' }, objective: { type: 'string' } },
  maxPositionals: 1,
} as const;

function parseMax(text: string | undefined): number {
  if (text === undefined) throw new IpgateError('ERR_USAGE', "ipgate condense: missing --max K; see 'ipgate condense --help'");
  if (!/^(0|[1-9][0-9]{0,8})$/.test(text)) {
    throw new IpgateError('ERR_USAGE', `ipgate condense: --max must be a whole number such as 200, not ${JSON.stringify(text)}`, { input: text });
  }
  return Number(text);
}

function percent(value: number): string {
  if (value === 0) return '0%';
  const p = value * 100;
  return `${p >= 10 ? p.toFixed(1) : p >= 0.01 ? p.toFixed(2) : p.toPrecision(2)}%`;
}

/** JSON where bigints are written as exact integers (JSON allows any size; IPv6 counts exceed 2^53). */
function jsonWithBigints(value: unknown): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${marker}${v.toString()}` : v), 2);
  return text.replace(/"\\u0000bigint:(\d+)"/g, '$1');
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args === undefined) return 0;
  const max = parseMax(args.values.max);
  const format = args.values.format ?? 'lines';
  if (format !== 'lines' && format !== 'json') {
    throw new IpgateError('ERR_USAGE', `ipgate condense: --format must be lines or json, not ${JSON.stringify(format)}`, { input: format });
  }
  const objective = args.values.objective ?? 'share';
  if (objective !== 'share' && objective !== 'addresses') {
    throw new IpgateError('ERR_USAGE', `ipgate condense: --objective must be share or addresses, not ${JSON.stringify(objective)}`, { input: objective });
  }
  if (args.values.exclude !== undefined && args.values.exclude === '-' && (args.positionals[0] ?? '-') === '-') {
    throw new IpgateError('ERR_USAGE', 'ipgate condense: the list and --exclude cannot both be standard input');
  }
  const list = await readRangeList(args.positionals[0]);
  const ranges = parseListRanges(list);
  let exclude: Range[] | undefined;
  if (args.values.exclude !== undefined) exclude = parseListRanges(await readRangeList(args.values.exclude));
  const options: { max: number; objective: CondenseObjective } = { max, objective };
  const result = condense(ranges, exclude === undefined ? options : { ...options, exclude });
  const ratio = extraShare(result);
  const out = result.ranges.map(formatRange);
  if (format === 'json') {
    process.stdout.write(`${jsonWithBigints({
      ranges: out,
      count: out.length,
      inputEntries: list.entries.length,
      requiredAddresses: result.requiredAddresses,
      extraAddresses: result.extraAddresses,
      extraShare: ratio,
      families: result.families.map((f) => ({ family: f.family, count: f.count, requiredAddresses: f.requiredAddresses, extraAddresses: f.extraAddresses, extraShare: extraShare(f) })),
    })}\n`);
    return 0;
  }
  process.stdout.write(out.map((r) => `${r}\n`).join(''));
  process.stderr.write(`ipgate condense: ${list.entries.length} entries -> ${out.length} prefixes (max ${max}); `
    + `extra addresses: ${result.extraAddresses} (${percent(ratio)} of the ${result.requiredAddresses} listed)\n`);
  if (result.families.length > 1) {
    for (const f of result.families) {
      process.stderr.write(`  IPv${f.family}: ${f.count} prefixes, extra addresses: ${f.extraAddresses} (${percent(extraShare(f))} of ${f.requiredAddresses})\n`);
    }
  }
  return 0;
}
