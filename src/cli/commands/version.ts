/** `ipgate version [-o json|yaml]`: the version of ipgate and of the Node.js it runs on. */
import { parseCommandArgs } from '../args.js';
import { formatOf, writeFormatted } from '../output.js';
import { buildInfo } from '../../runtime/build-info.js';

const HELP = `Usage: ipgate version [-o text|json|yaml]

Prints the version of ipgate and of the Node.js it runs on (the same as the ipgate_build_info metric).

Options:
  -o, --output FORMAT  text (default), json or yaml
`;

const OPTIONS = { output: { type: 'string', short: 'o' } } as const;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs({ name: 'version', help: HELP, options: OPTIONS, maxPositionals: 0 }, argv);
  if (parsed === undefined) return 0;
  const format = formatOf(parsed.values.output);
  const info = buildInfo();
  if (format === 'text') process.stdout.write(`ipgate ${info.version} (node ${info.node}, ${info.platform}/${info.arch})\n`);
  else writeFormatted(info, format);
  return 0;
}
