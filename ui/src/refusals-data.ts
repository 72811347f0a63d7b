/**
 * `GET /v1/refusals` read into rows: the most recent refused sources, per listener (address, count, first and
 * last seen, the explain verdict when the server gives it), and whether the data plane reports refusals at
 * all (HAProxy and nftables do not: `supported: false` with a note, which is not "nobody was refused"). Pure.
 */

export interface Refusal {
  readonly address: string;
  readonly listener: string;
  readonly count: number;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly reason: string | null;
  /** What explain says of the address now (null when the server did not say). */
  readonly now: { readonly allowed: boolean; readonly reason: string | null; readonly matched: string | null } | null;
}

type Json = Record<string, unknown>;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function row(r: Json, listener: string | null): Refusal | undefined {
  const address = str(r['address']) ?? str(r['source']);
  if (address === null) return undefined;
  const verdict = (r['explain'] ?? r['verdict']) as Json | undefined;
  return {
    address,
    listener: str(r['listener']) ?? listener ?? '',
    count: typeof r['count'] === 'number' ? r['count'] : 1,
    firstSeen: str(r['firstSeen']),
    lastSeen: str(r['lastSeen']),
    reason: str(r['reason']) ?? (typeof verdict === 'object' && verdict !== null ? str(verdict['reason']) : null),
    now: typeof verdict === 'object' && verdict !== null && typeof verdict['allowed'] === 'boolean' ? { allowed: verdict['allowed'], reason: str(verdict['reason']), matched: str(verdict['matched']) } : null,
  };
}

/** Rows newest first, from `{"refusals":[...]}` or `{"listeners":[{"name"|"listener","refusals":[...]}]}`. */
export function normalizeRefusals(data: unknown): Refusal[] {
  const out: Refusal[] = [];
  const body = (typeof data === 'object' && data !== null ? data : {}) as Json;
  const add = (items: unknown, listener: string | null): void => {
    if (!Array.isArray(items)) return;
    for (const item of items) {
      if (typeof item !== 'object' || item === null) continue;
      const r = row(item as Json, listener);
      if (r !== undefined) out.push(r);
    }
  };
  add(body['refusals'], null);
  const listeners = body['listeners'];
  if (Array.isArray(listeners)) {
    for (const l of listeners) {
      if (typeof l !== 'object' || l === null) continue;
      const j = l as Json;
      add(j['refusals'] ?? j['sources'], str(j['name']) ?? str(j['listener']));
    }
  } else if (typeof listeners === 'object' && listeners !== null) {
    for (const [name, items] of Object.entries(listeners as Json)) add(items, name);
  }
  return out.sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''));
}

export interface RefusalsAnswer {
  /** false: the data plane does not report refused sources one by one (the rows are then empty). */
  readonly supported: boolean;
  /** The server's note when unsupported (where to look instead). */
  readonly note: string | null;
  readonly rows: Refusal[];
}

export function readRefusals(data: unknown): RefusalsAnswer {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Json;
  const supported = body['supported'] !== false;
  return { supported, note: supported ? null : str(body['note']), rows: normalizeRefusals(data) };
}
