/**
 * `ipgate whoami --server URL --token-file F`: the caller's address as the gateway sees it, and whether
 * that address may connect. Exit 0 when allowed, 1 when refused, 2 on error.
 */
import { parseCommand, type CommandDef } from '../args.js';
import { runVerdictCommand, VERDICT_EXITS, VERDICT_OPTIONS, VERDICT_OUTPUT } from '../verdict-command.js';

export const COMMAND: CommandDef<typeof VERDICT_OPTIONS> = {
  name: 'whoami',
  summary: 'ask a running gateway how it sees you',
  usage: ['--server URL --token-file FILE [-o table|json|yaml]'],
  description: `Asks a running gateway which address it sees for you (the admin API's view of the caller) and
whether that address may connect, with the reason and the entry that matched.`,
  options: VERDICT_OPTIONS,
  output: VERDICT_OUTPUT,
  examples: [
    'ipgate whoami --server http://127.0.0.1:9090 --token-file admin.token',
    'IPGATE_SERVER=http://127.0.0.1:9090 IPGATE_TOKEN_FILE=admin.token ipgate whoami -o json',
  ],
  exitCodes: VERDICT_EXITS,
  maxPositionals: 0,
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(COMMAND, argv);
  if (parsed === undefined) return 0;
  return runVerdictCommand(parsed.values, parsed.output, '/v1/whoami');
}
