/**
 * `ipgate status --server URL --token-file F [-o text|json|yaml]`: the fleet through any one instance
 * (`GET /v1/status`): each instance's id, addresses, enforced revision, store health and last seen, with stale
 * instances flagged. Exit 0 when none is stale, 1 when one is, 2 on error.
 */
import { parseCommandArgs } from '../args.js';
import { adminRequest, resolveTarget, unexpectedAnswer } from '../client.js';
import { formatOf, writeFormatted } from '../output.js';

const HELP = `Usage: ipgate status --server URL --token-file F [-o text|json|yaml]

Shows every instance sharing the store (etcd: all instances of the fleet; a file store: the one instance),
as the instance at --server sees them: id, listeners, admin address, the profile revision it enforces,
whether its store is reachable, and when it last reported. An instance enforcing an older revision than
the newest for more than 5 s, or not seen for 6 s, is flagged STALE.
Exit status: 0 no instance is stale, 1 one is, 2 error.

Options:
  --server URL         the admin API of any instance (or IPGATE_SERVER)
  --token-file F       file holding the admin bearer token (or IPGATE_TOKEN_FILE)
  -o, --output FORMAT  text (default), json or yaml
  --timeout SECONDS    give up after this long (default 10)
`;

const OPTIONS = {
  server: { type: 'string' },
  'token-file': { type: 'string' },
  output: { type: 'string', short: 'o' },
  timeout: { type: 'string' },
} as const;

interface InstanceRow {
  readonly id: string;
  readonly listeners: readonly string[];
  readonly admin: string | null;
  readonly profile: string;
  readonly revision: string;
  readonly store: { readonly up: boolean; readonly detail: string | null };
  readonly lastSeenSeconds: number;
  readonly self: boolean;
  readonly stale: boolean;
  readonly problem: string | null;
}

interface StatusBody {
  readonly revision: string;
  readonly instances: readonly InstanceRow[];
  readonly stale: number;
  readonly problem: string | null;
}

function isStatusBody(body: unknown): body is StatusBody {
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

export function formatStatus(body: StatusBody): string {
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
  const parsed = parseCommandArgs({ name: 'status', help: HELP, options: OPTIONS, maxPositionals: 0 }, argv);
  if (parsed === undefined) return 0;
  const format = formatOf(parsed.values.output);
  const target = resolveTarget(parsed.values.server, parsed.values['token-file'], parsed.values.timeout);
  const res = await adminRequest(target, 'GET', '/v1/status');
  if (!isStatusBody(res.body)) throw unexpectedAnswer('GET /v1/status', target.baseUrl);
  if (format === 'text') process.stdout.write(formatStatus(res.body));
  else writeFormatted(res.body, format);
  return res.body.stale > 0 ? 1 : 0;
}
