/**
 * `ipgate sources show|sync --server URL --token-file F`: the range sources of a running gateway, through
 * its admin API (`GET /v1/sources`, `POST /v1/sources/sync`).
 */
import { adminRequest, unexpectedAnswer, type ServerTarget } from '../client.js';
import { printResult } from '../output.js';
import { startProgress } from '../progress.js';

interface ReferenceView { entry: string; prefixes?: number; problem?: string; code?: string }
interface SourceView {
  name: string; type: string; url?: string; file?: string; kubeconfig?: string; inCluster?: boolean; available: boolean; fromCache: boolean; prefixCount: number;
  lastSuccess: string | null; lastError: { code: string; message: string; at: string } | null; etag: string | null;
  nextRefresh: string | null; references: ReferenceView[];
}
interface ReportView { source: string; outcome: string; changes: Array<{ reference: string; added: string[]; removed: string[] }>; error?: { code: string; message: string } }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sourcesOf(body: unknown, url: string): SourceView[] {
  if (!isRecord(body) || !Array.isArray(body['sources'])) throw unexpectedAnswer('the sources', url);
  return body['sources'] as SourceView[];
}

export function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

function showText(sources: readonly SourceView[]): string {
  if (sources.length === 0) return 'The gateway has no range sources configured.\n';
  let out = table([['NAME', 'TYPE', 'PREFIXES', 'DATA', 'LAST SUCCESS', 'NEXT REFRESH', 'ETAG', 'ORIGIN'], ...sources.map((s) => [
    s.name, s.type, String(s.prefixCount), s.available ? (s.fromCache ? 'cache' : 'current') : 'none',
    s.lastSuccess ?? '-', s.nextRefresh ?? '-', s.etag ?? '-', s.url ?? s.file ?? s.kubeconfig ?? (s.inCluster === true ? 'in-cluster' : '-'),
  ])]);
  for (const s of sources) if (s.lastError !== null) out += `  ${s.name}: last sync failed at ${s.lastError.at}: ${s.lastError.message} (${s.lastError.code})\n`;
  const refs = sources.flatMap((s) => s.references.map((r) => ({ ...r, source: s.name })));
  if (refs.length > 0) {
    out += `\nReferences in the profile:\n${table([['REFERENCE', 'SOURCE', 'PREFIXES'], ...refs.map((r) => [r.entry, r.source, r.prefixes === undefined ? `problem: ${r.problem ?? '?'} (${r.code ?? '?'})` : String(r.prefixes)])])}`;
  }
  return out;
}

export async function showServer(target: ServerTarget, output: string): Promise<number> {
  const res = await adminRequest(target, 'GET', '/v1/sources');
  const sources = sourcesOf(res.body, `${target.baseUrl}/v1/sources`);
  printResult(output, res.body, { table: () => showText(sources) });
  const broken = sources.some((s) => !s.available || s.references.some((r) => r.problem !== undefined));
  return broken ? 1 : 0;
}

export async function syncServer(target: ServerTarget, output: string): Promise<number> {
  const progress = startProgress(`syncing the range sources of ${target.baseUrl}`);
  let body: unknown;
  try {
    body = (await adminRequest(target, 'POST', '/v1/sources/sync')).body;
  } finally {
    progress.done();
  }
  const url = `${target.baseUrl}/v1/sources/sync`;
  if (!isRecord(body) || !Array.isArray(body['reports'])) throw unexpectedAnswer('the sync report', url);
  const reports = body['reports'] as ReportView[];
  printResult(output, body, {
    table: () => reports.map((r) => `${r.source}: ${r.outcome}${r.error === undefined ? '' : ` - ${r.error.message} (${r.error.code}); the last good data stays in use`}\n${
      r.changes.map((c) => `  ${c.reference}  +${c.added.length} -${c.removed.length}\n`).join('')}`).join(''),
  });
  return reports.some((r) => r.outcome === 'failed') ? 1 : 0;
}
