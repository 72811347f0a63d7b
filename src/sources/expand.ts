/**
 * Turns a profile whose entries may be references into concrete prefixes, remembering for each prefix the
 * entry (and source) that admitted it, so `explain` can name it. Never fails open: an entry that cannot be
 * resolved, or a reference that selects nothing, is an error-level problem; a caller must not enforce a
 * profile whose expansion has error problems (an authorized list that came out empty would mean
 * "everyone"). One exception: Kubernetes discovery in egressIpRanges may select nothing (a cluster whose
 * nodes have no ExternalIP right now): an empty egress selection allows no one.
 */
import { IpgateError, type ErrorCode } from '../errors.js';
import { parseRange } from '../cidr/parse.js';
import { formatRange } from '../cidr/format.js';
import type { Range } from '../cidr/types.js';
import type { Profile } from '../policy/profile.js';
import type { ProfileField, ProfileProblem } from '../policy/validate.js';
import type { Catalogue, SourceType } from './types.js';
import { parseReference, resolveReference } from './reference.js';
import { referenceFieldProblem } from './reference-field.js';

export interface ExpandedRange {
  readonly range: Range;
  readonly cidr: string;
  /** The profile entry that admitted the prefix, as written (`10.0.0.0/8`, `aws:service=EC2`). */
  readonly from: string;
  /** The source the prefix came from, when `from` is a reference. */
  readonly source?: string;
}

export interface ExpandedProfile {
  readonly authorized: ExpandedRange[];
  readonly egress: ExpandedRange[];
  readonly problems: ProfileProblem[];
  /** Entries that were references, with how many prefixes each gave. */
  readonly references: Array<{ field: ProfileField; entry: string; source: string; type: SourceType; selector: string; prefixes: number }>;
}

export interface ExpandOptions {
  /** Configured sources whose data is not available yet (never fetched, no cache). */
  readonly unavailable?: readonly string[];
}

function problemOf(field: ProfileField, index: number, entry: string, code: ErrorCode, message: string, suggestion?: string): ProfileProblem {
  return { code, severity: 'error', field, index, entry, message, ...(suggestion === undefined ? {} : { suggestion }) };
}

export function expandProfile(profile: Profile, catalogues: readonly Catalogue[], options: ExpandOptions = {}): ExpandedProfile {
  const problems: ProfileProblem[] = [];
  const references: ExpandedProfile['references'] = [];
  const expandList = (field: ProfileField, entries: readonly string[]): ExpandedRange[] => {
    const out: ExpandedRange[] = [];
    const seen = new Set<string>();
    const push = (item: ExpandedRange): void => {
      const key = `${item.cidr}\0${item.from}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(item);
      }
    };
    entries.forEach((entry, index) => {
      const ref = typeof entry === 'string' ? parseReference(entry) : undefined;
      if (ref === undefined) {
        try {
          const range = parseRange(entry);
          push({ range, cidr: formatRange(range), from: entry });
        } catch (error) {
          const e = error instanceof IpgateError ? error : new IpgateError('ERR_RANGE_SYNTAX', `Cannot parse ${JSON.stringify(String(entry))} as an IP range`);
          problems.push(problemOf(field, index, entry, e.code, e.message, e.suggestion));
        }
        return;
      }
      if (ref.kind === 'reference' && options.unavailable?.includes(ref.source) === true) {
        problems.push(problemOf(field, index, entry, 'ERR_SOURCE_UNAVAILABLE',
          `${entry}: source "${ref.source}" has no data yet (never fetched successfully and no cache)`, `run 'ipgate sources show' to see its last error`));
        return;
      }
      try {
        const resolved = resolveReference(ref, catalogues, entry);
        const placed = referenceFieldProblem(field, entry, ref.kind === 'tag' ? 'tag' : resolved.type);
        if (placed !== undefined) {
          problems.push(problemOf(field, index, entry, placed.code, placed.message, placed.suggestion));
          return;
        }
        references.push({ field, entry, source: resolved.source, type: resolved.type, selector: resolved.selector, prefixes: resolved.ranges.length });
        if (resolved.ranges.length === 0 && resolved.type !== 'kubernetes') {
          problems.push(problemOf(field, index, entry, 'ERR_REFERENCE_EMPTY', `${entry} selects no prefixes in source "${resolved.source}"`,
            'check the selector; a combination of key=value pairs must all hold for one prefix'));
        }
        for (const range of resolved.ranges) push({ range, cidr: formatRange(range), from: entry, source: resolved.source });
      } catch (error) {
        if (!(error instanceof IpgateError)) throw error;
        problems.push(problemOf(field, index, entry, error.code, error.message, error.suggestion));
      }
    });
    return out;
  };
  const authorized = expandList('authorizedIpRanges', profile.authorizedIpRanges);
  const egress = expandList('egressIpRanges', profile.egressIpRanges);
  return { authorized, egress, problems, references };
}

/** The expanded profile as a plain Profile of concrete prefixes (distinct, in order of first appearance). */
export function toConcreteProfile(expanded: ExpandedProfile): Profile {
  const distinct = (list: readonly ExpandedRange[]): string[] => [...new Set(list.map((r) => r.cidr))];
  return { authorizedIpRanges: distinct(expanded.authorized), egressIpRanges: distinct(expanded.egress) };
}
