/**
 * `ipgate explain IP --server URL --token-file F`: asks a running gateway whether an address may connect
 * and why (which entry matched, or that none did). Exit 0 when allowed, 1 when refused, 2 on error.
 */
import { parseCommand, usageError, type CommandDef } from '../args.js';
import { runVerdictCommand, VERDICT_EXITS, VERDICT_OPTIONS, VERDICT_OUTPUT } from '../verdict-command.js';

export const COMMAND: CommandDef<typeof VERDICT_OPTIONS> = {
  name: 'explain',
  summary: 'ask a running gateway why an address is allowed or refused',
  usage: ['IP --server URL --token-file FILE [-o table|json|yaml]'],
  description: `Asks a running gateway whether IP may connect, and why: the entry that matched (and the range source
reference it came from), or the reason it is refused.`,
  options: VERDICT_OPTIONS,
  output: VERDICT_OUTPUT,
  examples: [
    'ipgate explain 203.0.113.9 --server http://127.0.0.1:9090 --token-file admin.token',
    'ipgate explain 2001:db8::1 -o yaml',
  ],
  exitCodes: VERDICT_EXITS,
  maxPositionals: 1,
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(COMMAND, argv);
  if (parsed === undefined) return 0;
  const ip = parsed.positionals[0];
  if (ip === undefined) throw usageError('explain', "give the address to explain, e.g. 'ipgate explain 203.0.113.7'");
  return runVerdictCommand(parsed.values, parsed.output, '/v1/explain', { ip });
}
