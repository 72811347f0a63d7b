/** The JSON store file's bytes written in place are exactly encodeJson's text as UTF-8, for any profile. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeJson } from '../src/store/codec.js';
import { JsonEncoder } from '../src/store/json-bytes.js';
import type { EntryInfo, Profile } from '../src/policy/profile.js';

/** Entries as profiles hold them, and text that JSON must escape or that is not ASCII. */
const entry = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.integer({ min: 0, max: 32 })).map(([a, b, p]) => `10.${a}.${b}.0/${p}`),
  fc.constantFrom('2001:db8::/32', 'azure:AzureCloud.westeurope', '203.0.113.9', 'AzureCloud', ''),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.constantFrom('a"b', 'a\\b', 'tab\there', 'line\nbreak', 'del\u007f', 'é', '\ud800', '😀'),
);

const info = fc.record({ note: fc.string({ maxLength: 8 }) }, { requiredKeys: [] }) as fc.Arbitrary<EntryInfo>;

const profile: fc.Arbitrary<Profile> = fc
  .tuple(fc.array(entry, { maxLength: 12 }), fc.array(entry, { maxLength: 4 }), fc.boolean(), info)
  .map(([authorizedIpRanges, egressIpRanges, noted, note]) => {
    const first = authorizedIpRanges[0];
    if (!noted || first === undefined) return { authorizedIpRanges, egressIpRanges };
    return { authorizedIpRanges, egressIpRanges, entryInfo: { authorizedIpRanges: new Map([[first, note]]) } };
  });

test('the bytes written in place are encodeJson as UTF-8 (escapes, non-ASCII, notes, empty lists)', () => {
  const encoder = new JsonEncoder();
  fc.assert(
    fc.property(profile, (p) => {
      // The encoder's buffer is reused from call to call: each result stands on its own.
      assert.deepEqual(Buffer.from(encoder.encode(p)), Buffer.from(encodeJson(p), 'utf8'));
    }),
    { numRuns: 2000 },
  );
});

test('a large list, then a short one: the buffer grows and each result has its own length', () => {
  const encoder = new JsonEncoder();
  const large: Profile = { authorizedIpRanges: Array.from({ length: 20_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`), egressIpRanges: ['192.0.2.1'] };
  const small: Profile = { authorizedIpRanges: ['198.51.100.0/24'], egressIpRanges: [] };
  assert.equal(Buffer.from(encoder.encode(large)).toString('utf8'), encodeJson(large));
  assert.equal(Buffer.from(encoder.encode(small)).toString('utf8'), encodeJson(small));
});
