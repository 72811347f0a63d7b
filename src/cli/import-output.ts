/**
 * How `ipgate import` prints a profile, pure: the store's JSON shape (an entry with a note is a
 * `{"range","note"}` object, the form entries with notes take in profiles; an explicit disable carries
 * `"disabled": true`), or a config `profile:` section in YAML with the notes as comments and the
 * warnings above it; and the difference to a gateway's profile before it is applied.
 */
import { formatRange } from '../cidr/format.js';
import { parseRange } from '../cidr/parse.js';
import type { ImportedEntry, ImportedProfile } from '../policy/cloud-import.js';

function entryJson(e: ImportedEntry): string | { range: string; note: string } {
  return e.note === undefined ? e.range : { range: e.range, note: e.note };
}

export function importJson(imported: ImportedProfile): Record<string, unknown> {
  return {
    authorizedIpRanges: imported.authorizedIpRanges.map(entryJson),
    egressIpRanges: imported.egressIpRanges.map(entryJson),
    ...(imported.state === 'disabled' ? { disabled: true } : {}),
  };
}

/** A YAML scalar: plain when it cannot be misread, double-quoted otherwise. */
function scalar(text: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9./:_-]*$/.test(text) && !text.endsWith(':') ? text : JSON.stringify(text);
}

function yamlList(key: string, entries: readonly ImportedEntry[]): string[] {
  if (entries.length === 0) return [`  ${key}: []`];
  return [`  ${key}:`, ...entries.map((e) => `    - ${scalar(e.range)}${e.note === undefined ? '' : `  # ${e.note.replace(/[\r\n]+/g, ' ')}`}`)];
}

export function importYaml(imported: ImportedProfile, source: string): string {
  const lines = [
    `# ipgate import ${imported.provider}: cluster ${imported.cluster} (from ${source})`,
    ...imported.warnings.map((w) => `# warning: ${w}`),
    'profile:',
    ...yamlList('authorizedIpRanges', imported.authorizedIpRanges),
    ...yamlList('egressIpRanges', imported.egressIpRanges),
  ];
  return `${lines.join('\n')}\n`;
}

export interface ListDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly kept: number;
}

function key(entry: string): string {
  try {
    return formatRange(parseRange(entry));
  } catch {
    return entry;
  }
}

/** What replacing `before` by `after` adds and removes (entries compared in canonical form). */
export function diffLists(before: readonly string[], after: readonly string[]): ListDiff {
  const b = new Set(before.map(key));
  const a = new Set(after.map(key));
  return {
    added: after.filter((e) => !b.has(key(e))),
    removed: before.filter((e) => !a.has(key(e))),
    kept: after.filter((e) => b.has(key(e))).length,
  };
}

export function diffText(diff: ListDiff): string[] {
  return [
    ...diff.added.map((e) => `  + ${e}`),
    ...diff.removed.map((e) => `  - ${e}`),
    ...(diff.added.length === 0 && diff.removed.length === 0 ? ['  (no change)'] : []),
  ];
}
