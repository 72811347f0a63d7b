/**
 * Plain-text views of a gateway profile and of a verdict, for the CLI's server-mode commands. Entries with a
 * note or an expiry time show them, with the time left.
 */
import { expiryOf } from '../policy/expiry.js';
import { EGRESS_ONLY, type EntryInfo, type Profile } from '../policy/profile.js';

export interface ProfileView extends Profile {
  readonly etag: string | undefined;
}

export interface VerdictView {
  readonly address: string;
  readonly allowed: boolean;
  readonly reason: string;
  readonly matched?: string | null | undefined;
}

/** What the authorized list means, in words (AKS semantics). */
export function modeOf(authorized: readonly string[]): string {
  if (authorized.length === 0) return 'disabled: every address may connect';
  if (authorized.length === 1 && authorized[0] === EGRESS_ONLY) return 'egress only: only the egress ranges may connect';
  return `enforced: only the authorized and egress ranges may connect`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(profile: ProfileView): string {
  return `profile: ${plural(profile.authorizedIpRanges.length, 'authorized range')}, ${plural(profile.egressIpRanges.length, 'egress range')} (${modeOf(profile.authorizedIpRanges)})`;
}

/** A duration in words, its two largest units: `7h59m`, `2d3h`, `45s`. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(ms / 1000) * 1000);
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  const text = parts.filter((p) => !p.startsWith('0')).join('');
  return text === '' ? '0s' : text;
}

/** An entry's note and expiry time, with the time left at `now`. */
export function describeInfo(info: EntryInfo, now: number): string {
  const parts: string[] = [];
  if (info.expires !== undefined) {
    const left = expiryOf(info) - now;
    parts.push(left > 0 ? `expires in ${formatDuration(left)} (${info.expires})` : `expired ${formatDuration(-left)} ago (${info.expires}), being removed`);
  }
  if (info.note !== undefined) parts.push(`note: ${info.note}`);
  return parts.join('; ');
}

function listLines(list: readonly string[], info: ReadonlyMap<string, EntryInfo> | undefined, now: number): string[] {
  if (info === undefined || info.size === 0) return list.map((r) => `  ${r}`);
  // (A loop, not Math.max(...list): a list of a hundred thousand entries is too many arguments for one call.)
  let width = 0;
  for (const r of list) if (info.has(r) && r.length > width) width = r.length;
  return list.map((r) => {
    const i = info.get(r);
    return i === undefined ? `  ${r}` : `  ${r.padEnd(width)}  ${describeInfo(i, now)}`;
  });
}

export function formatProfile(profile: ProfileView, now: number = Date.now()): string {
  const lines = [
    `mode:  ${modeOf(profile.authorizedIpRanges)}`,
    ...(profile.etag === undefined ? [] : [`etag:  ${profile.etag}`]),
    '',
    `AUTHORIZED RANGES (${profile.authorizedIpRanges.length})`,
    ...listLines(profile.authorizedIpRanges, profile.entryInfo?.authorizedIpRanges, now),
    '',
    `EGRESS RANGES (${profile.egressIpRanges.length})`,
    ...listLines(profile.egressIpRanges, profile.entryInfo?.egressIpRanges, now),
  ];
  return `${lines.join('\n')}\n`;
}

export function formatVerdict(verdict: VerdictView): string {
  const rows: [string, string][] = [
    ['address', verdict.address],
    ['allowed', verdict.allowed ? 'yes' : 'no'],
    ['reason', verdict.reason],
    ['matched', verdict.matched === undefined || verdict.matched === null ? '-' : verdict.matched],
  ];
  return `${rows.map(([k, v]) => `${k.padEnd(8)} ${v}`).join('\n')}\n`;
}
