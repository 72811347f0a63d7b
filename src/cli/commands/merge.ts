/** `ipgate merge [FILE]`: the lossless merge of a range list, one canonical prefix a line. */
import { parseCommand, type CommandDef } from '../args.js';
import { readRangeList } from '../input.js';
import { parseListRanges } from '../list-ranges.js';
import { printResult } from '../output.js';
import { mergeRanges } from '../../cidr/merge.js';
import { formatRange } from '../../cidr/format.js';

export const COMMAND = {
  name: 'merge',
  summary: 'merge a range list losslessly into the fewest prefixes',
  usage: ['[-o lines|json|yaml] [FILE]'],
  description: `Prints the smallest list of prefixes that covers exactly the same addresses as the list in FILE (or
standard input when FILE is missing or "-"): overlapping and adjacent ranges are joined, duplicates and
ranges inside others are dropped. One canonical prefix a line, IPv4 first, in address order.
FILE holds one entry per line; "#" starts a comment and commas also separate entries; a JSON array of
strings is read too, and the list itself can be given instead of FILE (10.0.0.0/25,10.0.0.128/25).
JSON and YAML hold {ranges, count, inputEntries}.`,
  options: [],
  output: { human: 'lines', forms: ['lines', 'json', 'yaml'] },
  examples: ['ipgate merge ranges.txt', "printf '10.0.0.0/25\\n10.0.0.128/25\\n' | ipgate merge", 'ipgate merge -o json ranges.txt'],
  exitCodes: [[0, 'merged'], [2, 'the list holds an invalid entry (every one is named) or cannot be read, or a usage error']],
  maxPositionals: 1,
} as const satisfies CommandDef;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(COMMAND, argv);
  if (args === undefined) return 0;
  const list = await readRangeList(args.positionals[0]);
  const merged = mergeRanges(parseListRanges(list)).map(formatRange);
  printResult(args.output, { ranges: merged, count: merged.length, inputEntries: list.entries.length }, { lines: () => merged.map((r) => `${r}\n`).join('') });
  return 0;
}
