/** Plain-text views of a gateway profile and of a verdict, for the CLI's server-mode commands. */
import { EGRESS_ONLY } from '../policy/profile.js';

export interface ProfileView {
  readonly authorizedIpRanges: readonly string[];
  readonly egressIpRanges: readonly string[];
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

export function formatProfile(profile: ProfileView): string {
  const lines = [
    `mode:  ${modeOf(profile.authorizedIpRanges)}`,
    ...(profile.etag === undefined ? [] : [`etag:  ${profile.etag}`]),
    '',
    `AUTHORIZED RANGES (${profile.authorizedIpRanges.length})`,
    ...profile.authorizedIpRanges.map((r) => `  ${r}`),
    '',
    `EGRESS RANGES (${profile.egressIpRanges.length})`,
    ...profile.egressIpRanges.map((r) => `  ${r}`),
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
