/**
 * CLI entry point. Each command lives in its own module under ./commands and is imported only when it
 * runs, so `ipgate check` does not pay for the gateway's dependencies.
 */
import { wantsHelp } from './args.js';
import { renderGroupHelp, type GroupDef } from './help.js';
import { EXIT_USAGE, reportError } from './output.js';
import { ipgateVersion } from '../runtime/build-info.js';

type CommandModule = { run(argv: string[]): Promise<number> };

const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<CommandModule> }>> = {
  ranges: { summary: 'validate a range list, or show/set/add/remove/disable the ranges of a running gateway', load: () => import('./commands/ranges.js') },
  check: { summary: 'check one address against a range list', load: () => import('./commands/check.js') },
  merge: { summary: 'merge a range list losslessly into the fewest prefixes', load: () => import('./commands/merge.js') },
  condense: { summary: 'condense a range list optimally to at most K prefixes', load: () => import('./commands/condense.js') },
  serve: { summary: 'run the gateway', load: () => import('./commands/serve.js') },
  whoami: { summary: 'ask a running gateway how it sees you', load: () => import('./commands/whoami.js') },
  refusals: { summary: 'the most recent refused sources of a running gateway, per listener', load: () => import('./commands/refusals.js') },
  context: { summary: "use, list or set the contexts (a gateway's admin API and credentials) of the contexts file", load: () => import('./commands/context.js') },
  explain: { summary: 'ask a running gateway why an address is allowed or refused', load: () => import('./commands/explain.js') },
  history: { summary: 'show who changed which entries of a running gateway\'s profiles, and when', load: () => import('./commands/history.js') },
  export: { summary: 'export the profile, with range sources resolved, condensed for AKS/GKE/EKS', load: () => import('./commands/export.js') },
  sources: { summary: 'show or sync the configured provider range sources', load: () => import('./commands/sources.js') },
  nft: { summary: 'remove the kernel rules of the nftables data plane (ipgate nft remove)', load: () => import('./commands/nft.js') },
  plan: { summary: 'plan the access paths of clients to an API server from a topology', load: () => import('./commands/plan.js') },
  import: { summary: 'import the authorized ranges of an AKS, GKE or EKS cluster (az/gcloud/aws JSON)', load: () => import('./commands/import.js') },
  status: { summary: 'show every instance of a fleet through any one of them', load: () => import('./commands/status.js') },
  version: { summary: 'print the version of ipgate and of Node.js', load: () => import('./commands/version.js') },
};

const TOP: GroupDef = {
  name: '',
  usage: ['<command> [options]'],
  description: `Let only authorized IP ranges reach a Kubernetes API server (or any TLS service).
Every command that prints results takes -o/--output (json and yaml everywhere, plus its own forms).`,
  commands: Object.entries(COMMANDS).map(([name, c]) => ({ name, summary: c.summary })),
  options: [{ name: 'version', type: 'boolean', help: 'print the version' }],
  examples: ['ipgate ranges validate --target aks ranges.txt', 'ipgate serve --config ipgate.yaml', 'ipgate whoami -o json', "ipgate <command> --help"],
  exitCodes: [[0, 'success (see each command)'], [1, "a negative answer (see each command's exit codes)"], [2, 'bad input or usage'], [70, 'internal error']],
};

export function usage(): string {
  return renderGroupHelp(TOP);
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || wantsHelp([name]) || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version') {
    process.stdout.write(`ipgate ${ipgateVersion()}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    process.stderr.write(`ipgate: unknown command "${name}"; see 'ipgate --help' (ERR_USAGE)\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    const mod = await command.load();
    return await mod.run(rest);
  } catch (error) {
    return reportError(error);
  }
}
