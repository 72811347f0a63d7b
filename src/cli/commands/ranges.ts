/**
 * `ipgate ranges <sub>`: `validate` works offline on a file; show/set/add/remove/disable talk to a
 * running gateway's admin API.
 */
import { IpgateError } from '../../errors.js';

const HELP = `Usage: ipgate ranges <validate|show|set|add|remove|disable> [options]

  validate [--target ipgate|aks] [--json] [FILE]   check a range list offline
  show|set|add|remove|disable --server URL --token-file F [--output json]
                                                    read or change a running gateway's ranges
Run 'ipgate ranges <sub> --help' for details.
`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'validate') return (await import('./ranges-validate.js')).run(rest);
  if (sub === 'show' || sub === 'set' || sub === 'add' || sub === 'remove' || sub === 'disable') {
    return (await import('./ranges-server.js')).run(sub, rest);
  }
  throw new IpgateError('ERR_USAGE', `ipgate ranges: unknown subcommand "${sub}"; expected validate, show, set, add, remove or disable`, { input: sub });
}
