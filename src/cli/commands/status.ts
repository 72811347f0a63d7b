/**
 * `ipgate status --server URL --token-file F [-o table|json|yaml]`: the fleet through any one instance
 * (`GET /v1/status`): each instance's id, addresses, enforced revision, store health and last seen, with stale
 * instances flagged. Exit 0 when the whole fleet is seen and healthy; 1 when an instance is stale, a store is
 * unreachable, or the fleet cannot be seen whole (so a script or probe never reads "all good" from an instance
 * that only sees itself); 2 on error.
 */
import { parseCommand, type CommandDef } from '../args.js';
import { adminRequest, resolveTarget, unexpectedAnswer } from '../client.js';
import { ERROR_EXITS, SERVER_OPTIONS, TABLE_OUTPUT } from '../common-options.js';
import { printResult } from '../output.js';
import type { FleetStatus } from '../../runtime/fleet-status.js';

export const COMMAND: CommandDef<typeof SERVER_OPTIONS> = {
  name: 'status',
  summary: 'show every instance of a fleet through any one of them',
  usage: ['--server URL --token-file FILE [-o table|json|yaml]'],
  description: `Shows every instance sharing the store (etcd: all instances of the fleet enforcing the same profile;
a file store: the one instance), as the instance at --server sees them (GET /v1/status): id, listeners,
admin address, the profile revision it enforces, whether its store is reachable, and when it last
reported. An instance enforcing an older revision than the newest for more than 5 s, or not seen for 6 s,
is flagged STALE. The exit code is 0 only when every instance is seen, none is stale and every store
is reachable.`,
  options: SERVER_OPTIONS,
  output: TABLE_OUTPUT,
  examples: [
    'ipgate status --server http://127.0.0.1:9090 --token-file admin.token',
    'IPGATE_SERVER=http://127.0.0.1:9090 IPGATE_TOKEN_FILE=admin.token ipgate status -o json',
  ],
  exitCodes: [[0, 'every instance seen, none stale, every store reachable'], [1, 'an instance is stale, a store is unreachable, or only part of the fleet can be seen'], ...ERROR_EXITS],
  maxPositionals: 0,
};

function isStatusBody(body: unknown): body is FleetStatus {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b['revision'] === 'string' && typeof b['stale'] === 'number' && Array.isArray(b['instances']) &&
    b['instances'].every((i: unknown) => typeof i === 'object' && i !== null && typeof (i as Record<string, unknown>)['id'] === 'string' && typeof (i as Record<string, unknown>)['revision'] === 'string');
}

/** A plain table, columns padded to their widest cell. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function formatStatus(body: FleetStatus): string {
  const rows = [['INSTANCE', 'LISTENERS', 'ADMIN', 'PROFILE', 'REVISION', 'STORE', 'LAST SEEN', 'STATE']];
  for (const i of body.instances) {
    rows.push([
      `${i.id}${i.self ? ' *' : ''}`,
      i.listeners.join(',') || '-',
      i.admin ?? '-',
      i.profile,
      i.revision,
      i.store.up ? 'up' : 'DOWN',
      i.lastSeenSeconds < 0 ? '?' : `${i.lastSeenSeconds.toFixed(1)}s ago`,
      i.stale ? `STALE: ${i.problem ?? ''}` : 'ok',
    ]);
  }
  const down = body.instances.filter((i) => !i.store.up).map((i) => `  ${i.id}: store unreachable: ${i.store.detail ?? 'no detail'}`);
  const summary = `${body.instances.length} instance(s), newest revision ${body.revision}, ${body.stale} stale (* answered this request)`;
  return `${table(rows)}\n${down.length === 0 ? '' : `${down.join('\n')}\n`}${body.problem === null ? '' : `note: ${body.problem}\n`}${summary}\n`;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(COMMAND, argv);
  if (parsed === undefined) return 0;
  const { values } = parsed;
  const target = resolveTarget(values);
  const res = await adminRequest(target, 'GET', '/v1/status');
  const body = res.body;
  if (!isStatusBody(body)) throw unexpectedAnswer('GET /v1/status', target.baseUrl);
  printResult(parsed.output, body, { table: () => formatStatus(body) });
  return fleetHealthy(body) ? 0 : 1;
}

/** Whether a status answer shows the whole fleet healthy: nothing stale, every store up, no partial view. */
export function fleetHealthy(body: FleetStatus): boolean {
  return body.stale === 0 && body.problem === null && body.instances.every((i) => i.store.up);
}
