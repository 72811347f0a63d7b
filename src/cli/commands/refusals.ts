/**
 * `ipgate refusals`: the most recent refused sources of a running gateway, per listener (`GET
 * /v1/refusals`): address, count, first and last refusal, the reason, and what explain says of the address
 * now. Shows which address a locked-out colleague really comes from.
 */
import { parseCommand, type CommandDef } from '../args.js';
import { adminRequest, resolveTarget, unexpectedAnswer } from '../client.js';
import { ERROR_EXITS, SERVER_OPTIONS, TABLE_OUTPUT } from '../common-options.js';
import { printResult } from '../output.js';
import { table } from './sources-server.js';

export const COMMAND: CommandDef<typeof SERVER_OPTIONS> = {
  name: 'refusals',
  summary: 'the most recent refused sources of a running gateway, per listener',
  usage: ['[--server URL --token-file FILE | --context NAME] [-o table|json|yaml]'],
  description: `Lists the sources a running gateway refused most recently, per listener, at most 256 a listener
(the address, how often it was refused, when first and last, the reason, and whether it would be allowed
now). Use it to find the address a locked-out colleague really connects from, then 'ipgate ranges add' it.
The HAProxy and nftables data planes do not report refusals one by one: the list is then empty and says so.
JSON and YAML hold {supported, refusals: [{listener, address, count, firstSeen, lastSeen, reason, explain}]}.`,
  options: SERVER_OPTIONS,
  output: TABLE_OUTPUT,
  examples: ['ipgate refusals --server http://127.0.0.1:9090 --token-file admin.token', 'ipgate refusals --context prod -o json'],
  exitCodes: [[0, 'the list was shown'], ...ERROR_EXITS],
  maxPositionals: 0,
};

interface Refusal {
  readonly listener: string;
  readonly address: string;
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly reason: string;
  readonly explain: { readonly allowed?: boolean } | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refusalsText(body: Record<string, unknown>, refusals: readonly Refusal[]): string {
  if (body['supported'] === false) return `The gateway's data plane does not report refused sources one by one${typeof body['note'] === 'string' ? `: ${body['note']}` : ''}.\n`;
  if (refusals.length === 0) return 'No refused sources since the gateway started.\n';
  return table([
    ['LISTENER', 'ADDRESS', 'COUNT', 'FIRST SEEN', 'LAST SEEN', 'REASON', 'NOW'],
    ...refusals.map((r) => [r.listener, r.address, String(r.count), r.firstSeen, r.lastSeen, r.reason, r.explain === null ? '-' : r.explain.allowed === true ? 'allowed' : 'refused']),
  ]);
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(COMMAND, argv);
  if (parsed === undefined) return 0;
  const target = resolveTarget(parsed.values);
  const res = await adminRequest(target, 'GET', '/v1/refusals');
  const body = res.body;
  if (!isRecord(body) || !Array.isArray(body['refusals'])) throw unexpectedAnswer('GET /v1/refusals', target.baseUrl);
  const refusals = body['refusals'] as Refusal[];
  printResult(parsed.output, body, { table: () => refusalsText(body, refusals) });
  return 0;
}
