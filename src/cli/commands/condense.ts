/** `ipgate condense --max K [--exclude FILE] [-o lines|json|yaml] [FILE]`: the optimal cover in K prefixes. */
import { parseCommand, usageError, type CommandDef } from '../args.js';
import { printResult } from '../output.js';
import { readRangeList } from '../input.js';
import { parseListRanges } from '../list-ranges.js';
import { condense, extraShare, type CondenseObjective } from '../../cidr/condense.js';
import { formatRange } from '../../cidr/format.js';
import type { Range } from '../../cidr/types.js';

export const COMMAND = {
  name: 'condense',
  summary: 'condense a range list optimally to at most K prefixes',
  usage: ['--max K [--exclude FILE] [--objective share|addresses] [-o lines|json|yaml] [FILE]'],
  description: `Prints at most K prefixes that cover every address of the list in FILE (or standard input when FILE is
missing or "-") and no address of the --exclude list, with the fewest extra addresses possible (an
optimal cover, not a greedy one). Use it to fit a long list into a limit, e.g. --max 200 for AKS.
When no such cover exists, the error names the smallest K that works.
Lists hold one entry per line; "#" starts a comment and commas also separate entries; a JSON array of
strings is read too, and a list can be given itself instead of a file (comma-separated).
lines: one prefix a line on stdout, the cost on stderr. JSON and YAML hold {ranges, count, inputEntries,
requiredAddresses, extraAddresses, extraShare, families: [{family, count, requiredAddresses, extraAddresses,
extraShare}]}; address counts are exact integers (IPv6 counts can exceed 2^53).`,
  options: [
    { name: 'max', type: 'string', value: 'K', help: 'largest number of prefixes in the result (required)' },
    { name: 'exclude', type: 'string', value: 'FILE', help: 'ranges that must not be covered (e.g. your private networks)' },
    {
      name: 'objective', type: 'string', value: 'share|addresses', default: 'share',
      help: `how IPv4 and IPv6 share the budget when the list has both: share keeps each
family's extra share small; addresses minimises the total count of extra addresses,
which lets IPv6's size starve IPv4 (possibly down to 0.0.0.0/0)`,
    },
  ],
  output: { human: 'lines', forms: ['lines', 'json', 'yaml'], aliases: ['format'] },
  examples: [
    'ipgate condense --max 200 ranges.txt',
    'ipgate condense --max 200 --exclude private.txt -o json ranges.txt',
  ],
  exitCodes: [[0, 'condensed'], [2, 'invalid input, an unreadable file, a K too small (the error names the smallest K that works) or a usage error']],
  maxPositionals: 1,
} as const satisfies CommandDef;

function parseMax(text: string | undefined): number {
  if (text === undefined) throw usageError('condense', 'missing --max K');
  if (!/^(0|[1-9][0-9]{0,8})$/.test(text)) {
    throw usageError('condense', `--max must be a whole number such as 200, not ${JSON.stringify(text)}`, text);
  }
  return Number(text);
}

function percent(value: number): string {
  if (value === 0) return '0%';
  const p = value * 100;
  return `${p >= 10 ? p.toFixed(1) : p >= 0.01 ? p.toFixed(2) : p.toPrecision(2)}%`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(COMMAND, argv);
  if (args === undefined) return 0;
  const max = parseMax(args.values.max);
  const objective = args.values.objective ?? 'share';
  if (objective !== 'share' && objective !== 'addresses') {
    throw usageError('condense', `--objective must be share or addresses, not ${JSON.stringify(objective)}`, objective);
  }
  if (args.values.exclude !== undefined && args.values.exclude === '-' && (args.positionals[0] ?? '-') === '-') {
    throw usageError('condense', 'the list and --exclude cannot both be standard input');
  }
  const list = await readRangeList(args.positionals[0]);
  const ranges = parseListRanges(list);
  let exclude: Range[] | undefined;
  if (args.values.exclude !== undefined) exclude = parseListRanges(await readRangeList(args.values.exclude));
  const options: { max: number; objective: CondenseObjective } = { max, objective };
  const result = condense(ranges, exclude === undefined ? options : { ...options, exclude });
  const ratio = extraShare(result);
  const out = result.ranges.map(formatRange);
  const data = {
    ranges: out,
    count: out.length,
    inputEntries: list.entries.length,
    requiredAddresses: result.requiredAddresses,
    extraAddresses: result.extraAddresses,
    extraShare: ratio,
    families: result.families.map((f) => ({ family: f.family, count: f.count, requiredAddresses: f.requiredAddresses, extraAddresses: f.extraAddresses, extraShare: extraShare(f) })),
  };
  printResult(args.output, data, { lines: () => out.map((r) => `${r}\n`).join('') });
  if (args.output !== 'lines') return 0;
  process.stderr.write(`ipgate condense: ${list.entries.length} entries -> ${out.length} prefixes (max ${max}); `
    + `extra addresses: ${result.extraAddresses} (${percent(ratio)} of the ${result.requiredAddresses} listed)\n`);
  if (result.families.length > 1) {
    for (const f of result.families) {
      process.stderr.write(`  IPv${f.family}: ${f.count} prefixes, extra addresses: ${f.extraAddresses} (${percent(extraShare(f))} of ${f.requiredAddresses})\n`);
    }
  }
  return 0;
}
