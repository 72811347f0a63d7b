/** An analysis that takes entries from an earlier one is the analysis made from scratch. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyzeProfile } from '../src/policy/validate.js';

const entry = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(24, 32, 30)).map(([a, b, p]) => `10.${a}.${b}.0/${p}`),
  fc.constantFrom('192.0.2.0/24', '0.0.0.0/32', '2001:db8::/32', '2001:DB8::/32', '::ffff:10.0.0.0/120', '10.0.0.1/24', 'AzureCloud', 'bad', '10.0.0.0/8'),
);

/** A later version of a list: entries appended, removed, replaced, spliced, or the list shuffled. */
const edit = (list: string[]) => fc.oneof(
  fc.array(entry, { maxLength: 4 }).map((more) => [...list, ...more]),
  fc.integer({ min: 0, max: 10 }).map((i) => list.filter((_, j) => j !== i)),
  fc.tuple(fc.integer({ min: 0, max: 10 }), entry).map(([i, e]) => list.map((x, j) => (j === i ? e : x))),
  // A few taken out somewhere and a few put in at the same place (the common beginning and end stay).
  fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 3 }), fc.array(entry, { maxLength: 3 })).map(([i, k, more]) => [...list.slice(0, i), ...more, ...list.slice(i + k)]),
  fc.constant([...list].reverse()),
  fc.constant([...list]),
);

test('analyzing lists with an earlier analysis gives what analyzing them afresh gives', () => {
  fc.assert(fc.property(
    fc.array(entry, { maxLength: 12 }).chain((a) => fc.tuple(fc.constant(a), edit(a))),
    fc.array(entry, { maxLength: 4 }).chain((e) => fc.tuple(fc.constant(e), edit(e))),
    fc.constantFrom('ipgate' as const, 'aks' as const),
    ([a1, a2], [e1, e2], target) => {
      const earlier = analyzeProfile({ authorizedIpRanges: a1, egressIpRanges: e1 }, { target });
      const next = { authorizedIpRanges: a2, egressIpRanges: e2 };
      const reused = analyzeProfile(next, { target }, earlier);
      const fresh = analyzeProfile(next, { target });
      assert.deepEqual(reused, fresh);
      // And again from that one (a chain of changes).
      const third = { authorizedIpRanges: [...a2, '10.3.3.0/24', '10.0.0.0/24'], egressIpRanges: e2 };
      assert.deepEqual(analyzeProfile(third, { target }, reused), analyzeProfile(third, { target }));
    },
  ), { numRuns: 1000 });
});
