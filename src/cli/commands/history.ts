/**
 * `ipgate history`: the recorded changes of a running gateway's profiles, newest first: when, which profile,
 * by which path (admin-api, file, sighup, etcd, expiry), who (actor) from which address, the entries added
 * (+) and removed (-), and the ETag before and after.
 */
import type { WireEntry } from '../../policy/entry-info.js';
import { checkProfileName } from '../../policy/profile-name.js';
import type { ChangeRecord } from '../../store/history.js';
import { parseCommand, usageError, type CommandDef } from '../args.js';
import { adminRequest, resolveTarget, unexpectedAnswer } from '../client.js';
import { ERROR_EXITS, SERVER_OPTIONS, TABLE_OUTPUT } from '../common-options.js';
import { printResult } from '../output.js';

const OPTIONS = [
  ...SERVER_OPTIONS,
  { name: 'limit', type: 'string', value: 'N', default: '50', help: 'at most N changes (1 to 1000)' },
  { name: 'profile', type: 'string', value: 'NAME', help: 'only the changes of profile NAME (default: every profile of the store)' },
] as const;

export const COMMAND: CommandDef<typeof OPTIONS> = {
  name: 'history',
  summary: "show who changed which entries of a running gateway's profiles, and when",
  usage: ['--server URL --token-file FILE [--limit N] [--profile NAME] [-o table|json|yaml]'],
  description: `Shows the recorded changes of the gateway's profiles, newest first: time, profile, path (admin-api,
file, sighup, etcd, expiry), actor, the caller's address, the entries added (+) and removed (-), and
the ETag before and after. An entry whose note or expiry time changed is shown removed in its old form
and added in its new one. JSON and YAML hold {history: [{time, profile, actor, address, path, added,
removed, addedCount, removedCount, etagBefore, etagAfter}]}, as GET /v1/history answers.`,
  options: OPTIONS,
  output: TABLE_OUTPUT,
  examples: [
    'ipgate history --server http://127.0.0.1:9090 --token-file admin.token',
    'ipgate history --limit 10 --profile cluster-b -o yaml',
  ],
  exitCodes: [[0, 'the history was shown'], ...ERROR_EXITS],
  maxPositionals: 0,
};

function isRecordList(body: unknown): body is { history: ChangeRecord[] } {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { history?: unknown }).history)) return false;
  return (body as { history: unknown[] }).history.every((r) => typeof r === 'object' && r !== null && typeof (r as { time?: unknown }).time === 'string' && Array.isArray((r as { added?: unknown }).added) && Array.isArray((r as { removed?: unknown }).removed));
}

function entryText(sign: string, e: WireEntry): string {
  if (typeof e === 'string') return `${sign}${e}`;
  const extra = [e.expires === undefined ? '' : `expires ${e.expires}`, e.note === undefined ? '' : `note: ${e.note}`].filter((x) => x !== '');
  return `${sign}${e.range}${extra.length === 0 ? '' : ` (${extra.join('; ')})`}`;
}

/** The change of one record in one line: `+a +b -c`, with the count of entries not listed. */
export function changeText(r: ChangeRecord): string {
  const parts = [...r.added.map((e) => entryText('+', e)), ...r.removed.map((e) => entryText('-', e))];
  const more = r.addedCount - r.added.length + (r.removedCount - r.removed.length);
  if (more > 0) parts.push(`(and ${more} more: +${r.addedCount} -${r.removedCount} in all)`);
  return parts.length === 0 ? '(no entries changed)' : parts.join(' ');
}

export function formatHistory(records: readonly ChangeRecord[]): string {
  if (records.length === 0) return 'no changes recorded\n';
  const rows = records.map((r) => [r.time, r.profile, r.path, r.actor, r.address ?? '-', `${r.etagBefore ?? '-'} -> ${r.etagAfter}`, changeText(r)]);
  const head = ['TIME', 'PROFILE', 'PATH', 'ACTOR', 'ADDRESS', 'ETAG', 'CHANGE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(COMMAND, argv);
  if (parsed === undefined) return 0;
  const { values, output } = parsed;
  const limit = values.limit;
  if (limit !== undefined && !(/^[1-9]\d{0,3}$/.test(limit) && Number(limit) <= 1000)) {
    throw usageError('history', `--limit "${limit}" must be a whole number from 1 to 1000`, limit);
  }
  const profile = values.profile === undefined ? undefined : checkProfileName(values.profile, '--profile');
  const target = resolveTarget(values);
  const res = await adminRequest(target, 'GET', '/v1/history', { query: { limit, profile } });
  const body = res.body;
  if (!isRecordList(body)) throw unexpectedAnswer('GET /v1/history', target.baseUrl);
  printResult(output, body, { table: () => formatHistory(body.history) });
  return 0;
}
