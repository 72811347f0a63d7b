/**
 * `ipgate whoami --server URL --token-file F`: the caller's address as the gateway sees it, and whether
 * that address may connect. Exit 0 when allowed, 1 when refused, 2 on error.
 */
import { parseCommandArgs } from '../args.js';
import { runVerdictCommand, VERDICT_OPTIONS, VERDICT_OPTIONS_HELP, type VerdictSpec } from '../verdict-command.js';

const SPEC: VerdictSpec = {
  name: 'whoami',
  help: `Usage: ipgate whoami --server URL --token-file F [--output json]

Asks a running gateway which address it sees for you and whether that address may connect.
Exit status: 0 allowed, 1 refused, 2 error.
${VERDICT_OPTIONS_HELP}`,
  options: VERDICT_OPTIONS,
  maxPositionals: 0,
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(SPEC, argv);
  if (parsed === undefined) return 0;
  return runVerdictCommand(parsed.values, '/v1/whoami');
}
