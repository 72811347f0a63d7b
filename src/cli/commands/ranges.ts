/**
 * `ipgate ranges <sub>`: `validate` works offline on a file; show/set/add/remove/disable talk to a
 * running gateway's admin API.
 */
import type { GroupDef } from '../help.js';
import { runGroup, type SubcommandRunner } from '../group.js';

export const GROUP: GroupDef = {
  name: 'ranges',
  usage: ['validate|show|set|add|remove|disable [options]'],
  description: `Check a range list offline (validate), or read and change the authorized and egress ranges of a
running gateway through its admin API (show, set, add, remove, disable).`,
  commands: [
    { name: 'validate', summary: 'check a range list offline' },
    { name: 'show', summary: "show a gateway's profile: mode, ETag, authorized and egress ranges" },
    { name: 'set', summary: 'replace the authorized (or egress) ranges' },
    { name: 'add', summary: 'add entries (one atomic PATCH)' },
    { name: 'remove', summary: 'remove entries' },
    { name: 'disable', summary: 'empty the authorized ranges: every address may connect (AKS semantics)' },
  ],
  examples: [
    'ipgate ranges validate --target aks ranges.txt',
    'ipgate ranges show --server http://127.0.0.1:9090 --token-file admin.token',
    'ipgate ranges add --help',
  ],
  exitCodes: [[0, 'help was shown'], [2, 'no or an unknown subcommand']],
};

const onServer = (sub: 'show' | 'set' | 'add' | 'remove' | 'disable'): SubcommandRunner => async (rest) => (await import('./ranges-server.js')).run(sub, rest);

export function run(argv: string[]): Promise<number> {
  return runGroup(GROUP, argv, {
    validate: async (rest) => (await import('./ranges-validate.js')).run(rest),
    show: onServer('show'),
    set: onServer('set'),
    add: onServer('add'),
    remove: onServer('remove'),
    disable: onServer('disable'),
  });
}
