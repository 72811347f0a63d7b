/**
 * How a profile is written in a store file (pure): `json` (the profile object) or `list` (the `--ranges` file:
 * one authorized range a line). Decoding validates: a file that does not describe a valid profile throws.
 */
import { createHash } from 'node:crypto';
import { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';
import { validateProfile, type ProfileCheck } from '../policy/validate.js';
import type { StoreFormat } from '../config/types.js';

/** In a list file, an explicit "no restriction": an empty list file is refused instead (never fail open). */
export const LIST_DISABLED_MARKER = '# ipgate: disabled (every source is allowed)';

export function revisionOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

function invalid(source: string, message: string, suggestion?: string): never {
  throw new IpgateError('ERR_STORE_INVALID', `Store ${source} is unusable: ${message}`, {
    input: source,
    ...(suggestion === undefined ? {} : { suggestion }),
  });
}

/** The check a store applies by default: a profile of ranges (no references). */
export const defaultProfileCheck: ProfileCheck = (profile) => validateProfile(profile, { target: 'ipgate' });

function checked(profile: Profile, source: string, check: ProfileCheck = defaultProfileCheck): Profile {
  const result = check(profile);
  if (!result.valid) {
    const first = result.problems[0];
    const list = result.problems.map((p) => `${p.field === undefined ? '' : `${p.field}[${p.index ?? '?'}] `}${p.message}`).join('; ');
    invalid(source, list, first?.suggestion);
  }
  return profile;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

export function decodeJson(text: string, source: string, check?: ProfileCheck): Profile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    invalid(source, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(source, 'expected a JSON object {"authorizedIpRanges":[...],"egressIpRanges":[...]}');
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => k !== 'authorizedIpRanges' && k !== 'egressIpRanges');
  if (unknown.length > 0) invalid(source, `unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')}`);
  const authorized = record['authorizedIpRanges'] ?? [];
  const egress = record['egressIpRanges'] ?? [];
  if (!isStringArray(authorized)) invalid(source, 'authorizedIpRanges must be a list of strings');
  if (!isStringArray(egress)) invalid(source, 'egressIpRanges must be a list of strings');
  return checked({ authorizedIpRanges: authorized, egressIpRanges: egress }, source, check);
}

export function encodeJson(profile: Profile): string {
  return `${JSON.stringify({ authorizedIpRanges: profile.authorizedIpRanges, egressIpRanges: profile.egressIpRanges }, null, 2)}\n`;
}

/** List file: one entry a line, `#` comments and blank lines ignored, whitespace trimmed, commas separate. */
export function decodeList(text: string, source: string, check?: ProfileCheck): Profile {
  const entries: string[] = [];
  let disabled = false;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) {
      if (/^#\s*ipgate:\s*disabled\b/.test(trimmed)) disabled = true;
      continue;
    }
    const content = line.split('#')[0] ?? '';
    for (const part of content.split(',')) {
      const entry = part.trim();
      if (entry !== '') entries.push(entry);
    }
  }
  if (entries.length === 0 && !disabled) {
    invalid(source, 'the ranges file has no entries (an empty file is refused, not read as "allow everyone")', `to allow every source on purpose, write the line "${LIST_DISABLED_MARKER}"`);
  }
  if (entries.length > 0 && disabled) invalid(source, 'the file has entries and the "ipgate: disabled" marker; keep one of them');
  return checked({ authorizedIpRanges: entries, egressIpRanges: [] }, source, check);
}

export function encodeList(profile: Profile, source: string): string {
  if (profile.egressIpRanges.length > 0) {
    throw new IpgateError('ERR_STORE_UNSUPPORTED', `Store ${source} is a ranges list file and cannot hold egressIpRanges; use a config file with a JSON store`, { input: source });
  }
  if (profile.authorizedIpRanges.length === 0) return `${LIST_DISABLED_MARKER}\n`;
  return `${profile.authorizedIpRanges.join('\n')}\n`;
}

export function decodeProfile(format: StoreFormat, text: string, source: string, check?: ProfileCheck): Profile {
  return format === 'json' ? decodeJson(text, source, check) : decodeList(text, source, check);
}

export function encodeProfile(format: StoreFormat, profile: Profile, source: string): string {
  return format === 'json' ? encodeJson(profile) : encodeList(profile, source);
}
