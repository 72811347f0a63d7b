/** `ipgate merge [FILE]`: the lossless merge of a range list, one canonical prefix a line. */
import { parseCommandArgs } from '../args.js';
import { readRangeList } from '../input.js';
import { parseListRanges } from '../list-ranges.js';
import { mergeRanges } from '../../cidr/merge.js';
import { formatRange } from '../../cidr/format.js';

const HELP = `Usage: ipgate merge [FILE]

Prints the smallest list of prefixes that covers exactly the same addresses as the list in FILE (or
standard input when FILE is missing or "-"): overlapping and adjacent ranges are joined, duplicates and
ranges inside others are dropped. One canonical prefix a line, IPv4 first, in address order.
FILE holds one entry per line; "#" starts a comment and commas also separate entries; a JSON array of
strings is read too, and the list itself can be given instead of FILE (10.0.0.0/25,10.0.0.128/25).

Options:
  -h, --help  show this help

Exit status: 0 on success, 2 when the list holds an invalid entry (every one is named) or cannot be read.
`;

const SPEC = { name: 'merge', help: HELP, options: {}, maxPositionals: 1 } as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args === undefined) return 0;
  const list = await readRangeList(args.positionals[0]);
  const merged = mergeRanges(parseListRanges(list));
  process.stdout.write(merged.map((r) => `${formatRange(r)}\n`).join(''));
  return 0;
}
