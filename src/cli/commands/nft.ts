/**
 * `ipgate nft remove`: deletes `table inet ipgate`, the kernel rules of the nftables data plane. ipgate
 * leaves the table in place when it stops or crashes (the kernel keeps enforcing the last list); this is
 * the explicit way to stop enforcing.
 */
import { parseCommand, type CommandDef } from '../args.js';
import { ERROR_EXITS } from '../common-options.js';
import type { GroupDef } from '../help.js';
import { runGroup } from '../group.js';
import { printResult } from '../output.js';
import { removeTable } from '../../nftables/remove.js';

const REMOVE_OPTIONS = [
  { name: 'binary', type: 'string', value: 'PATH', default: 'nft', help: 'the nft program' },
] as const;

export const REMOVE: CommandDef<typeof REMOVE_OPTIONS> = {
  name: 'nft remove',
  summary: 'delete table inet ipgate, so the kernel stops filtering for ipgate',
  usage: ['[--binary PATH] [-o text|json|yaml]'],
  description: `Deletes table inet ipgate, the rules of the nftables data plane (dataplane: { type: nftables }). A stopped
or crashed ipgate leaves them in force on purpose; after this every source reaches the protected service
again. Stop ipgate first, or it writes the table again at its next check. Needs root (CAP_NET_ADMIN).
A table that is not there is not an error.`,
  options: REMOVE_OPTIONS,
  output: { human: 'text', forms: ['text', 'json', 'yaml'] },
  examples: ['ipgate nft remove', 'ipgate nft remove -o json', 'ip netns exec edge ipgate nft remove --binary /usr/sbin/nft'],
  exitCodes: [[0, 'the table was removed, or was not there'], ...ERROR_EXITS],
  maxPositionals: 0,
};

export const GROUP: GroupDef = {
  name: 'nft',
  usage: ['remove [options]'],
  description: `The kernel rules of the nftables data plane (table inet ipgate), which outlive ipgate on purpose.`,
  commands: [{ name: 'remove', summary: REMOVE.summary }],
  examples: ['ipgate nft remove', 'ipgate nft remove --help'],
  exitCodes: [[0, 'help was shown'], [2, 'no or an unknown subcommand']],
};

async function runRemove(argv: string[]): Promise<number> {
  const parsed = parseCommand(REMOVE, argv);
  if (parsed === undefined) return 0;
  const result = await removeTable(parsed.values.binary ?? 'nft');
  printResult(parsed.output, result, {
    text: () => (result.removed
      ? `ipgate: table ${result.table} removed; the kernel no longer filters for ipgate\n`
      : `ipgate: table ${result.table} is not there; nothing to remove\n`),
  });
  return 0;
}

export function run(argv: string[]): Promise<number> {
  return runGroup(GROUP, argv, { remove: runRemove });
}
