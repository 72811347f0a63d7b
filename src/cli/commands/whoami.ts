/**
 * `ipgate whoami`: the caller's address as the gateway's admin API sees it (directly, or carried by a trusted
 * balancer's PROXY header), whether that address may connect, who the caller is (token name or client
 * certificate subject, and the token's scope), and a warning when the admin API's view is not the address the
 * gateway will judge. Exit 0 when allowed, 1 when refused, 2 on error.
 */
import { parseCommand, type CommandDef } from '../args.js';
import { adminRequest, isVerdictBody, resolveTarget, unexpectedAnswer } from '../client.js';
import { printResult } from '../output.js';
import { formatVerdict } from '../profile-view.js';
import { VERDICT_EXITS, VERDICT_OPTIONS, VERDICT_OUTPUT } from '../verdict-command.js';
import { whoamiOf, type Whoami } from '../whoami-view.js';

export const COMMAND: CommandDef<typeof VERDICT_OPTIONS> = {
  name: 'whoami',
  summary: 'ask a running gateway how it sees you',
  usage: ['[--server URL --token-file FILE | --context NAME] [-o table|json|yaml]'],
  description: `Asks a running gateway which address it sees for you and how (the admin listener directly, or
carried by a trusted balancer's PROXY header), whether that address may connect (the reason and the
entry that matched), and who you are (the token's name or your client certificate's subject, and the
token's scope). A warning says when that address is not the one the gateway will judge: a loopback or
private address while the enforced listeners face the internet, or a balancer's address.
JSON and YAML hold {address, allowed, reason, matched, seenBy, actor, scope, warnings}.`,
  options: VERDICT_OPTIONS,
  output: VERDICT_OUTPUT,
  examples: [
    'ipgate whoami --server http://127.0.0.1:9090 --token-file admin.token',
    'ipgate whoami --context prod',
    'IPGATE_SERVER=http://127.0.0.1:9090 IPGATE_TOKEN_FILE=admin.token ipgate whoami -o json',
  ],
  exitCodes: VERDICT_EXITS,
  maxPositionals: 0,
};

function whoamiText(w: Whoami): string {
  const seen = w.seenBy.proxyProtocol ? `the admin listener, carried by a PROXY header from ${w.seenBy.peer}` : 'the admin listener, directly';
  const lines = [
    formatVerdict(w).trimEnd(),
    `${'seen by'.padEnd(8)} ${seen}`,
    ...(w.actor === null ? [] : [`${'actor'.padEnd(8)} ${w.actor}${w.scope === null ? '' : ` (scope ${w.scope})`}`]),
    ...w.warnings.map((x) => `warning: ${x.message} (${x.code})`),
  ];
  return `${lines.join('\n')}\n`;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(COMMAND, argv);
  if (parsed === undefined) return 0;
  const target = resolveTarget(parsed.values);
  const res = await adminRequest(target, 'GET', '/v1/whoami');
  if (!isVerdictBody(res.body)) throw unexpectedAnswer('GET /v1/whoami', target.baseUrl);
  const w = whoamiOf(res.body);
  printResult(parsed.output, res.body, { table: () => whoamiText(w) });
  return w.allowed ? 0 : 1;
}
