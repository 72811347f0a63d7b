/**
 * `ipgate nft remove`: deletes `table inet ipgate`, the kernel rules of the nftables data plane. ipgate
 * leaves the table in place when it stops or crashes (the kernel keeps enforcing the last list); this is
 * the explicit way to stop enforcing.
 */
import { parseCommandArgs } from '../args.js';
import { writeJson } from '../output.js';
import { IpgateError } from '../../errors.js';
import { removeTable } from '../../nftables/remove.js';

const HELP = `Usage: ipgate nft remove [--binary PATH] [--output json]

Deletes table inet ipgate, the rules of the nftables data plane (dataplane: { type: nftables }). A stopped
or crashed ipgate leaves them in force on purpose; after this every source reaches the protected service
again. Stop ipgate first, or it writes the table again at its next check. Needs root (CAP_NET_ADMIN).

Options:
  --binary PATH    the nft program (default: nft)
  --output json    print the result as JSON
`;

const OPTIONS = {
  binary: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs({ name: 'nft', help: HELP, options: OPTIONS, maxPositionals: 1 }, argv);
  if (parsed === undefined) return 0;
  const [action] = parsed.positionals;
  if (action !== 'remove') {
    throw new IpgateError('ERR_USAGE', `ipgate nft: ${action === undefined ? 'give an action' : `unknown action "${action}"`}; the action is remove (see 'ipgate nft --help')`, {
      ...(action === undefined ? {} : { input: action }),
    });
  }
  const output = parsed.values.output;
  if (output !== undefined && output !== 'json') throw new IpgateError('ERR_USAGE', `ipgate nft: --output ${output} is not known; use --output json`, { input: output });
  const result = await removeTable(parsed.values.binary ?? 'nft');
  if (output === 'json') writeJson(result);
  else process.stdout.write(result.removed ? `ipgate: table ${result.table} removed; the kernel no longer filters for ipgate\n` : `ipgate: table ${result.table} is not there; nothing to remove\n`);
  return 0;
}
