/**
 * `ipgate history`: the recorded changes of a running gateway's profiles, newest first: when, which profile,
 * by which path (admin-api, file, sighup, etcd, expiry), who (actor) from which address, the entries added
 * (+) and removed (-), and the ETag before and after.
 */
import { IpgateError } from '../../errors.js';
import { checkProfileName } from '../../policy/profile-name.js';
import { parseCommandArgs, type CommandSpec } from '../args.js';
import { adminRequest, resolveTarget, unexpectedAnswer } from '../client.js';
import { writeJson } from '../output.js';
import { outputMode, VERDICT_OPTIONS, VERDICT_OPTIONS_HELP } from '../verdict-command.js';

const OPTIONS = {
  ...VERDICT_OPTIONS,
  limit: { type: 'string' },
  profile: { type: 'string' },
} as const;

const SPEC: CommandSpec<typeof OPTIONS> = {
  name: 'history',
  help: `Usage: ipgate history [--limit N] [--profile NAME] --server URL --token-file F [--output json]

Shows the recorded changes of the gateway's profiles, newest first: time, profile, path (admin-api, file,
sighup, etcd, expiry), actor, the caller's address, the entries added (+) and removed (-), and the ETag
before and after.
${VERDICT_OPTIONS_HELP}
  --limit N           at most N changes (default 50, at most 1000)
  --profile NAME      only the changes of profile NAME (default: every profile of the store)`,
  options: OPTIONS,
  maxPositionals: 0,
};

type Entry = string | { range: string; note?: string; expires?: string };

interface HistoryRecord {
  readonly time: string;
  readonly profile: string;
  readonly actor: string;
  readonly address: string | null;
  readonly path: string;
  readonly added: readonly Entry[];
  readonly removed: readonly Entry[];
  readonly addedCount: number;
  readonly removedCount: number;
  readonly etagBefore: string | null;
  readonly etagAfter: string;
}

function isRecordList(body: unknown): body is { history: HistoryRecord[] } {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { history?: unknown }).history)) return false;
  return (body as { history: unknown[] }).history.every((r) => typeof r === 'object' && r !== null && typeof (r as { time?: unknown }).time === 'string' && Array.isArray((r as { added?: unknown }).added) && Array.isArray((r as { removed?: unknown }).removed));
}

function entryText(sign: string, e: Entry): string {
  if (typeof e === 'string') return `${sign}${e}`;
  const extra = [e.expires === undefined ? '' : `expires ${e.expires}`, e.note === undefined ? '' : `note: ${e.note}`].filter((x) => x !== '');
  return `${sign}${e.range}${extra.length === 0 ? '' : ` (${extra.join('; ')})`}`;
}

/** The change of one record in one line: `+a +b -c`, with the count of entries not listed. */
export function changeText(r: HistoryRecord): string {
  const parts = [...r.added.map((e) => entryText('+', e)), ...r.removed.map((e) => entryText('-', e))];
  const more = r.addedCount - r.added.length + (r.removedCount - r.removed.length);
  if (more > 0) parts.push(`(and ${more} more: +${r.addedCount} -${r.removedCount} in all)`);
  return parts.length === 0 ? '(no entries changed)' : parts.join(' ');
}

export function formatHistory(records: readonly HistoryRecord[]): string {
  if (records.length === 0) return 'no changes recorded\n';
  const rows = records.map((r) => [r.time, r.profile, r.path, r.actor, r.address ?? '-', `${r.etagBefore ?? '-'} -> ${r.etagAfter}`, changeText(r)]);
  const head = ['TIME', 'PROFILE', 'PATH', 'ACTOR', 'ADDRESS', 'ETAG', 'CHANGE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(SPEC, argv);
  if (parsed === undefined) return 0;
  const { values } = parsed;
  const output = outputMode(values.output);
  const limit = values.limit;
  if (limit !== undefined && !/^[1-9]\d{0,3}$/.test(limit)) {
    throw new IpgateError('ERR_USAGE', `--limit "${limit}" must be a whole number from 1 to 1000`, { input: limit });
  }
  const profile = values.profile === undefined ? undefined : checkProfileName(values.profile, '--profile');
  const target = resolveTarget(values.server, values['token-file'], values.timeout);
  const res = await adminRequest(target, 'GET', '/v1/history', { query: { limit, profile } });
  if (!isRecordList(res.body)) throw unexpectedAnswer('GET /v1/history', target.baseUrl);
  if (output === 'json') writeJson(res.body);
  else process.stdout.write(formatHistory(res.body.history));
  return 0;
}
