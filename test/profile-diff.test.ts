/** The diff of two profiles (one map over both lists) is the plain diff of two sets, entry for entry and in order. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { infoOf, profileWithInfo, sameInfo } from '../src/policy/entry-info.js';
import { profileDiff } from '../src/policy/profile-diff.js';
import type { EntryInfo, Profile, ProfileField } from '../src/policy/profile.js';

function plainFieldDiff(before: Profile, after: Profile, field: ProfileField) {
  const old = new Set(before[field]);
  const now = new Set(after[field]);
  const added: string[] = [];
  const updated: string[] = [];
  const notes = (after.entryInfo?.[field]?.size ?? 0) > 0 || (before.entryInfo?.[field]?.size ?? 0) > 0;
  for (const entry of now) {
    if (!old.has(entry)) added.push(entry);
    else if (notes && !sameInfo(infoOf(before, field, entry), infoOf(after, field, entry))) updated.push(entry);
  }
  const removed: string[] = [];
  const kept: string[] = [];
  for (const entry of old) (now.has(entry) ? kept : removed).push(entry);
  return { added, removed, updated, kept };
}

const entry = fc.constantFrom('a', 'b', 'c', 'd', 'e', '10.0.0.0/8');
const note = fc.constantFrom<EntryInfo | undefined>(undefined, { note: 'x' }, { note: 'y' });
const profile = fc.tuple(fc.array(fc.tuple(entry, note), { maxLength: 8 }), fc.array(entry, { maxLength: 3 })).map(([list, egress]) => {
  const info = new Map<string, EntryInfo>();
  for (const [e, n] of list) if (n !== undefined && !info.has(e)) info.set(e, n);
  return profileWithInfo(list.map(([e]) => e), egress, { authorizedIpRanges: info });
});

test('property: profileDiff lists added, removed, updated and kept entries as the plain set comparison does', () => {
  fc.assert(fc.property(profile, profile, (before, after) => {
    assert.deepEqual(profileDiff(before, after), {
      authorizedIpRanges: plainFieldDiff(before, after, 'authorizedIpRanges'),
      egressIpRanges: plainFieldDiff(before, after, 'egressIpRanges'),
    });
  }), { numRuns: 2000 });
});

test('a malformed profile without a list compares as the plain set comparison does (no entries), not as an error', () => {
  const before = { authorizedIpRanges: ['a', 'b'], egressIpRanges: [] };
  const after = { authorizedIpRanges: null, egressIpRanges: [] } as unknown as Profile;
  assert.deepEqual(profileDiff(before, after), {
    authorizedIpRanges: plainFieldDiff(before, after, 'authorizedIpRanges'),
    egressIpRanges: plainFieldDiff(before, after, 'egressIpRanges'),
  });
});
