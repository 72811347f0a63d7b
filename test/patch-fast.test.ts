/** The admin API's PATCH (keys compared in one pass, no index of the list) is the plain PATCH, result for result. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyPatch } from '../src/admin/patch.js';
import { profileWithInfo } from '../src/policy/entry-info.js';
import type { EntryInfo } from '../src/policy/profile.js';
import { applyPatchReference } from './helpers/patch-reference.js';

/** Few distinct ranges, several spellings of each (bare, mapped, upper-case IPv6), references and junk. */
const entry = fc.constantFrom(
  '10.0.0.0/8', '::ffff:10.0.0.0/104', '10.0.0.1', '10.0.0.1/32', '::ffff:10.0.0.1', '192.0.2.0/24', '2001:db8::/32', '2001:DB8::/32',
  '2001:db8:0::/32', 'azure:AzureCloud', 'AzureCloud', '10.0.0.1/24', 'junk', '', '0.0.0.0/32',
);
const note: fc.Arbitrary<EntryInfo | undefined> = fc.constantFrom(undefined, { note: 'a' }, { note: 'b' }, { expires: '2030-01-01T00:00:00Z' });

function outcome(run: () => unknown): unknown {
  try {
    return { value: run() };
  } catch (error) {
    return { error: JSON.parse(JSON.stringify(error)) as unknown, message: error instanceof Error ? error.message : String(error) };
  }
}

test('property: PATCH gives the plain PATCH\'s profile, diff and errors', () => {
  const isReference = (e: string): boolean => e.startsWith('azure:');
  fc.assert(fc.property(
    fc.array(fc.tuple(entry, note), { maxLength: 10 }),
    fc.array(entry, { maxLength: 3 }),
    fc.array(fc.tuple(entry, note), { maxLength: 4 }),
    fc.array(entry, { maxLength: 2 }),
    fc.array(fc.tuple(entry, note), { maxLength: 2 }),
    fc.boolean(),
    (list, remove, add, removeEgress, addEgress, references) => {
      const authorized = list.map(([e]) => e);
      const notes = new Map<string, EntryInfo>();
      for (const [e, n] of list) if (n !== undefined && !notes.has(e)) notes.set(e, n);
      const profile = profileWithInfo(authorized, ['192.0.2.7/32'], { authorizedIpRanges: notes });
      const body = {
        add: add.map(([e, n]) => (n === undefined ? { entry: e } : { entry: e, info: n })),
        remove,
        addEgress: addEgress.map(([e, n]) => (n === undefined ? { entry: e } : { entry: e, info: n })),
        removeEgress,
      };
      const check = references ? isReference : undefined;
      assert.deepEqual(outcome(() => applyPatch(profile, body, check)), outcome(() => applyPatchReference(profile, body, check)));
    },
  ), { numRuns: 2000 });
});
