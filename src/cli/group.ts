/**
 * A command group (`ipgate ranges ...`, `ipgate sources ...`, `ipgate context ...`, `ipgate nft ...`): no
 * subcommand prints the group's help and exits 2 (the command did nothing), `--help` prints it and exits 0,
 * an unknown subcommand is a usage error that lists the known ones. Each group gives only its handlers.
 */
import { usageError, wantsHelp } from './args.js';
import { renderGroupHelp, type GroupDef } from './help.js';

export type SubcommandRunner = (argv: string[]) => number | Promise<number>;

export async function runGroup(def: GroupDef, argv: readonly string[], handlers: Readonly<Record<string, SubcommandRunner>>): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || wantsHelp([sub])) {
    process.stdout.write(renderGroupHelp(def));
    return sub === undefined ? 2 : 0;
  }
  const handler = Object.hasOwn(handlers, sub) ? handlers[sub] : undefined;
  if (handler === undefined) throw usageError(def.name, `unknown subcommand "${sub}"; expected ${Object.keys(handlers).join(', ')}`, sub);
  return handler(rest);
}
