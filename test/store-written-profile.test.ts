import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeJson, decodeList, encodeJson } from '../src/store/codec.js';
import { editListText } from '../src/store/list-file.js';
import { appendedListText, writtenJsonProfile } from '../src/store/written-profile.js';
import { profileWithInfo } from '../src/policy/entry-info.js';
import type { EntryInfo, Profile } from '../src/policy/profile.js';
import type { ProfileCheck } from '../src/policy/validate.js';

/** Entries: valid ranges, repeats, and some that fail validation or would not survive a list file. */
const entry = fc.oneof(
  fc.constantFrom('192.0.2.0/24', '198.51.100.7', '2001:db8::/32', '10.0.0.1/8', 'azure:AzureCloud', '', ' 203.0.113.9', 'a,b', '#x', '0.0.0.0/32'),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([a, b]) => `203.${a}.${b}.0/24`),
);
const info: fc.Arbitrary<EntryInfo> = fc.oneof(
  fc.constantFrom<EntryInfo>({ note: 'Alice, VPN' }, { note: '  padded ' }, { note: '' }, { note: 'line\nbreak' }, { expires: '2030-01-01T00:00:00Z' },
    { expires: '2030-01-01T01:00:00+01:00' }, { expires: 'soon' }, { note: 'both', expires: '2031-05-05T10:00:00Z' }, {}),
);

function withNotes(list: readonly string[], notes: readonly (EntryInfo | undefined)[]): Map<string, EntryInfo> {
  const map = new Map<string, EntryInfo>();
  list.forEach((e, i) => {
    const n = notes[i];
    if (n !== undefined) map.set(e, n);
  });
  return map;
}

/** The outcome of a function: its value, or the code and message it threw. */
function outcome<T>(run: () => T): { value: T } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

const checks: ProfileCheck[] = [() => ({ valid: true, problems: [] }), undefined as unknown as ProfileCheck];

test('a JSON store value known without reading it back is what decoding the written text gives', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(entry, fc.option(info, { nil: undefined })), { maxLength: 8 }),
    fc.array(fc.tuple(entry, fc.option(info, { nil: undefined })), { maxLength: 3 }),
    fc.constantFrom(...checks),
    (a, e, check) => {
      const authorized = a.map(([x]) => x);
      const egress = e.map(([x]) => x);
      const profile = profileWithInfo(authorized, egress, { authorizedIpRanges: withNotes(authorized, a.map(([, n]) => n)), egressIpRanges: withNotes(egress, e.map(([, n]) => n)) });
      const known = writtenJsonProfile(profile, check ?? undefined);
      const decoded = outcome(() => decodeJson(encodeJson(profile), 'f', check ?? undefined));
      if (known === undefined) return;
      assert.deepEqual({ value: known }, decoded);
    },
  ), { numRuns: 1000 });
});

test('a JSON store value of anything but two lists of strings is left to the decoder', () => {
  assert.equal(writtenJsonProfile({ authorizedIpRanges: [5], egressIpRanges: [] } as unknown as Profile), undefined);
  assert.equal(writtenJsonProfile({ authorizedIpRanges: ['192.0.2.0/24'] } as unknown as Profile), undefined);
  assert.equal(writtenJsonProfile({ authorizedIpRanges: ['192.0.2.0/24'], egressIpRanges: [], entryInfo: { authorizedIpRanges: new Map([['192.0.2.0/24', { note: ' x' }]]) } }), undefined);
});

test('a list file that only gains entries: the text and the profile are those of the in-place edit read back', () => {
  const text = fc.array(fc.oneof(entry, fc.constantFrom('# comment', '', '10.1.0.0/16, 10.2.0.0/16', '192.0.2.0/24  # note: kept', '  10.9.0.0/16', 'x\r')), { maxLength: 6 })
    .map((lines) => lines.join('\n'))
    .chain((body) => fc.constantFrom(body, `${body}\n`));
  fc.assert(fc.property(text, fc.array(fc.tuple(entry, fc.option(info, { nil: undefined })), { minLength: 1, maxLength: 4 }), fc.constantFrom(...checks), (before, adds, check) => {
    let old: Profile;
    try {
      old = decodeList(before, 'f', check ?? undefined);
    } catch {
      return;
    }
    const added = [...new Set(adds.map(([x]) => x))].filter((x) => !old.authorizedIpRanges.includes(x));
    const notes = new Map(old.entryInfo?.authorizedIpRanges ?? []);
    for (const [x, n] of adds) if (n !== undefined && added.includes(x) && !notes.has(x)) notes.set(x, n);
    const profile = profileWithInfo([...old.authorizedIpRanges, ...added], [], { authorizedIpRanges: notes });
    const diff = { added, removed: [], updated: [], kept: [...old.authorizedIpRanges] };
    const fast = appendedListText(before, old, profile, diff, 'f', check ?? undefined);
    if (fast === undefined) return;
    const edited = editListText(before, profile, diff);
    assert.equal(fast.text, edited);
    assert.deepEqual({ value: fast.decoded }, outcome(() => decodeList(edited, 'f', check ?? undefined)));
  }), { numRuns: 1000 });
});
