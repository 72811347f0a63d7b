/**
 * `ipgate explain IP --server URL --token-file F`: asks a running gateway whether an address may connect
 * and why (which entry matched, or that none did). Exit 0 when allowed, 1 when refused, 2 on error.
 */
import { IpgateError } from '../../errors.js';
import { parseCommandArgs } from '../args.js';
import { runVerdictCommand, VERDICT_OPTIONS, VERDICT_OPTIONS_HELP, type VerdictSpec } from '../verdict-command.js';

const SPEC: VerdictSpec = {
  name: 'explain',
  help: `Usage: ipgate explain IP --server URL --token-file F [--output json]

Asks a running gateway whether IP may connect, and why: the entry that matched, or the reason it is refused.
Exit status: 0 allowed, 1 refused, 2 error.
${VERDICT_OPTIONS_HELP}`,
  options: VERDICT_OPTIONS,
  maxPositionals: 1,
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(SPEC, argv);
  if (parsed === undefined) return 0;
  const ip = parsed.positionals[0];
  if (ip === undefined) {
    throw new IpgateError('ERR_USAGE', "ipgate explain: give the address to explain, e.g. 'ipgate explain 203.0.113.7'");
  }
  return runVerdictCommand(parsed.values, '/v1/explain', { ip });
}
