/**
 * Parsers for HAProxy runtime answers: `show sess` (open sessions and their sources) and `show stat`
 * (per-frontend counters as CSV). Pure.
 */

export interface HaproxySession {
  /** The session pointer, as `shutdown session` wants it (`0x...`). */
  readonly id: string;
  /** Source address (without port); the PROXY-carried one when the listener expects PROXY headers. */
  readonly source: string;
  readonly frontend: string;
}

/** Sessions on TCP listeners (`proto=tcpv4`/`tcpv6`); CLI and other non-TCP sessions are skipped. */
export function parseShowSess(text: string): HaproxySession[] {
  const out: HaproxySession[] = [];
  for (const line of text.split('\n')) {
    const id = /^(0x[0-9a-f]+):/.exec(line)?.[1];
    if (id === undefined || !/ proto=tcpv[46] /.test(line)) continue;
    const src = / src=(\S+)/.exec(line)?.[1];
    const fe = / fe=(\S+)/.exec(line)?.[1];
    if (src === undefined || fe === undefined) continue;
    const colon = src.lastIndexOf(':');
    if (colon <= 0) continue;
    out.push({ id, source: src.slice(0, colon), frontend: fe });
  }
  return out;
}

export interface FrontendStats {
  readonly name: string;
  /** Connections accepted by the listener socket (`conn_tot`). */
  readonly connections: number;
  /** Connections and sessions refused by `tcp-request` rules (`dcon` + `dses`). */
  readonly refused: number;
  /** Sessions open now (`scur`). */
  readonly current: number;
}

/** Frontend rows of `show stat` (CSV with a `# pxname,svname,...` header). */
export function parseShowStat(text: string): FrontendStats[] {
  const lines = text.split('\n');
  const header = lines[0]?.replace(/^#\s*/, '').split(',') ?? [];
  const col = (name: string): number => header.indexOf(name);
  const [px, sv, conn, dcon, dses, scur] = ['pxname', 'svname', 'conn_tot', 'dcon', 'dses', 'scur'].map(col);
  const num = (cells: string[], i: number | undefined): number => {
    if (i === undefined || i < 0) return 0;
    const v = Number(cells[i] ?? '');
    return Number.isFinite(v) ? v : 0;
  };
  const out: FrontendStats[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    if (sv === undefined || px === undefined || cells[sv] !== 'FRONTEND') continue;
    out.push({ name: cells[px] ?? '', connections: num(cells, conn), refused: num(cells, dcon) + num(cells, dses), current: num(cells, scur) });
  }
  return out;
}

/** `show info` as a name -> value record. */
export function parseShowInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}
