/** `ipgate version [-o text|json|yaml]`: the version of ipgate and of the Node.js it runs on. */
import { parseCommand, type CommandDef } from '../args.js';
import { printResult } from '../output.js';
import { buildInfo } from '../../runtime/build-info.js';

const OPTIONS = [] as const;

export const COMMAND: CommandDef<typeof OPTIONS> = {
  name: 'version',
  summary: 'print the version of ipgate and of Node.js',
  usage: ['[-o text|json|yaml]'],
  description: `Prints the version of ipgate (from its package.json, as the ipgate_build_info metric and
ipgate --version show it) and of the Node.js it runs on, with the platform.`,
  options: OPTIONS,
  output: { human: 'text', forms: ['text', 'json', 'yaml'] },
  examples: ['ipgate version', 'ipgate version -o json'],
  exitCodes: [[0, 'printed'], [2, 'bad usage'], [70, 'internal error']],
  maxPositionals: 0,
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(COMMAND, argv);
  if (parsed === undefined) return 0;
  const info = buildInfo();
  printResult(parsed.output, info, { text: () => `ipgate ${info.version} (node ${info.node}, ${info.platform}/${info.arch})\n` });
  return 0;
}
