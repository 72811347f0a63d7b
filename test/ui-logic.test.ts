/**
 * The dashboard's pure parts: the Hilbert curve (d2xy/xy2d are inverse, neighbours on the curve are
 * neighbours on the grid), the IPv4 map's cells and coverage, the entry check (the CLI's codes and
 * suggestions), Prometheus samples per listener, and the refusals read in either shape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkEntry, v4Range } from '../ui/src/entries.js';
import { d2xy, xy2d } from '../ui/src/hilbert.js';
import { cellLabel, cellOf, cellStart, coverage, SIDE } from '../ui/src/ipv4-map.js';
import { listenerSummaries, parseSamples } from '../ui/src/prom.js';
import { matchText, readMatches } from '../ui/src/matches-data.js';
import { normalizeRefusals, readRefusals } from '../ui/src/refusals-data.js';
import { readOnlyReason } from '../ui/src/scope.js';

test('d2xy and xy2d are inverse on every cell of 2×2 … 256×256 grids', () => {
  for (const n of [2, 4, 8, 16, 256]) {
    const seen = new Set<string>();
    for (let d = 0; d < n * n; d++) {
      const [x, y] = d2xy(n, d);
      assert.ok(x >= 0 && y >= 0 && x < n && y < n, `cell of ${d} inside the ${n}×${n} grid`);
      assert.equal(xy2d(n, x, y), d, `xy2d(d2xy(${d})) on ${n}×${n}`);
      seen.add(`${x},${y}`);
    }
    assert.equal(seen.size, n * n, 'every cell visited once');
  }
});

test('consecutive positions on the curve are grid neighbours (the curve is continuous)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: SIDE * SIDE - 2 }), (d) => {
      const [x1, y1] = d2xy(SIDE, d);
      const [x2, y2] = d2xy(SIDE, d + 1);
      return Math.abs(x1 - x2) + Math.abs(y1 - y2) === 1;
    }),
  );
});

test('known cells: the curve starts at the top-left corner and ends at the top-right', () => {
  assert.deepEqual(d2xy(4, 0), [0, 0]);
  assert.deepEqual([1, 2, 3, 4].map((d) => d2xy(4, d)), [[1, 0], [1, 1], [0, 1], [0, 2]]);
  assert.deepEqual(d2xy(4, 15), [3, 0]);
  assert.deepEqual(d2xy(SIDE, SIDE * SIDE - 1), [SIDE - 1, 0]);
});

test('map cells: a /16 per pixel, a /24 per pixel inside a /8, labels and cell lookups agree', () => {
  const a = 20 * 2 ** 24 + 5 * 2 ** 16 + 7 * 256 + 9;
  const [x, y] = cellOf({}, a) ?? [-1, -1];
  assert.equal(cellLabel({}, x, y), '20.5.0.0/16');
  assert.equal(cellStart({}, x, y), 20 * 2 ** 24 + 5 * 2 ** 16);
  const [zx, zy] = cellOf({ octet: 20 }, a) ?? [-1, -1];
  assert.equal(cellLabel({ octet: 20 }, zx, zy), '20.5.7.0/24');
  assert.equal(cellOf({ octet: 21 }, a), undefined, 'outside the zoomed /8');
  assert.equal(cellLabel({}, ...(cellOf({}, 2 ** 32 - 1) ?? [0, 0])), '255.255.0.0/16');
});

test('coverage: full cells, partial cells, first entry wins, full beats partial, zoomed views clip', () => {
  const entries = [v4Range('10.1.2.0/24'), v4Range('10.0.0.0/15'), v4Range('2001:db8::/32'), v4Range('192.168.0.0/16')];
  assert.equal(entries[2], undefined, 'IPv6 is not drawn');
  const top = coverage({}, entries);
  const at = (view: { octet?: number }, c: ReturnType<typeof coverage>, ip: number): [number, number] => {
    const [x, y] = cellOf(view, ip) ?? [0, 0];
    return [c.owner[y * SIDE + x] ?? -2, c.full[y * SIDE + x] ?? -2];
  };
  assert.deepEqual(at({}, top, 10 * 2 ** 24 + 2 ** 16), [1, 1], '10.1.0.0/16: the /15 covers it fully and wins over the partial /24');
  assert.deepEqual(at({}, top, 10 * 2 ** 24), [1, 1]);
  assert.deepEqual(at({}, top, 10 * 2 ** 24 + 2 * 2 ** 16), [-1, 0], '10.2.0.0/16 is not covered');
  assert.deepEqual(at({}, top, 192 * 2 ** 24 + 168 * 2 ** 16), [3, 1]);
  const zoomed = coverage({ octet: 10 }, entries);
  assert.deepEqual(at({ octet: 10 }, zoomed, 10 * 2 ** 24 + 2 ** 16 + 2 * 256), [0, 1], 'zoomed in, 10.1.2.0/24 is its own full cell and listed first');
  const lone = coverage({}, [v4Range('10.1.2.0/24')]);
  assert.deepEqual(at({}, lone, 10 * 2 ** 24 + 2 ** 16), [0, 0], 'a /24 covers its /16 cell in part');
  let covered = 0;
  for (const o of coverage({ octet: 10 }, [v4Range('10.0.0.0/8')]).owner) covered += o === 0 ? 1 : 0;
  assert.equal(covered, SIDE * SIDE);
});

test('the entry check gives the CLI\'s codes and suggestions', () => {
  const hostBits = checkEntry('10.0.0.1/24');
  assert.equal(hostBits.ok, false);
  assert.ok(!hostBits.ok && hostBits.code === 'ERR_HOST_BITS' && hostBits.suggestion === '10.0.0.0/24');
  const zone = checkEntry('fe80::1%eth0');
  assert.ok(!zone.ok && zone.code === 'ERR_ZONE_ID', JSON.stringify(zone));
  assert.deepEqual(checkEntry('203.0.113.7'), { ok: true, kind: 'range', canonical: '203.0.113.7/32' });
  assert.equal(checkEntry('azure:AzureCloud.westeurope').ok, true);
  assert.ok(checkEntry('azure:AzureCloud.westeurope').ok && (checkEntry('azure:AzureCloud.westeurope') as { kind: string }).kind === 'reference');
});

test('listener summaries from Prometheus text', () => {
  const text = [
    '# HELP ipgate_connections_total x',
    'ipgate_connections_total{listener="public",decision="allowed",reason="authorized"} 5',
    'ipgate_connections_total{listener="public",decision="refused",reason="not-authorized"} 2',
    'ipgate_connections_total{listener="internal",decision="allowed",reason="not-enforced"} 3',
    'ipgate_active_connections{listener="public"} 1',
    'ipgate_profile_generation 4',
  ].join('\n');
  assert.deepEqual(listenerSummaries(parseSamples(text)), [
    { name: 'public', allowed: 5, refused: 2, open: 1, notEnforced: 0 },
    { name: 'internal', allowed: 3, refused: 0, open: 0, notEnforced: 3 },
  ]);
});

test('refusals are read from a flat list or per listener, newest first', () => {
  const flat = normalizeRefusals({ refusals: [
    { address: '127.0.0.3', listener: 'public', count: 2, firstSeen: '2026-01-01T00:00:00Z', lastSeen: '2026-01-01T00:00:05Z', explain: { reason: 'not-authorized' } },
    { address: '127.0.0.4', listener: 'public', count: 1, firstSeen: '2026-01-01T00:00:06Z', lastSeen: '2026-01-01T00:00:06Z' },
  ] });
  assert.deepEqual(flat.map((r) => [r.address, r.count, r.reason]), [['127.0.0.4', 1, null], ['127.0.0.3', 2, 'not-authorized']]);
  const nested = normalizeRefusals({ listeners: [{ name: 'public', refusals: [{ source: '127.0.0.5', count: 3, lastSeen: 'x' }] }] });
  assert.deepEqual(nested.map((r) => [r.address, r.listener, r.count]), [['127.0.0.5', 'public', 3]]);
  assert.deepEqual(normalizeRefusals('nonsense'), []);
});

test('a data plane that does not report refusals is read as such, not as "nobody was refused"', () => {
  assert.deepEqual(readRefusals({ supported: false, refusals: [], note: 'see HAProxy\'s log' }), { supported: false, note: 'see HAProxy\'s log', rows: [] });
  const live = readRefusals({ supported: true, refusals: [{ address: '127.0.0.3', listener: 'public', count: 1, lastSeen: '2026-01-01T00:00:05Z' }] });
  assert.equal(live.supported, true);
  assert.equal(live.note, null);
  assert.deepEqual(live.rows.map((r) => r.address), ['127.0.0.3']);
});

test('matches per entry: "public 12× 3 min ago", most recent listener first; unavailable keeps the server\'s reason', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  const m = readMatches({ available: true, matches: [
    { listener: 'office', entry: '10.0.0.0/8', count: 1, firstSeen: '2026-12-02T07:00:00Z', lastSeen: '2026-12-02T07:55:00Z' },
    { listener: 'public', entry: '10.0.0.0/8', count: 12, firstSeen: '2026-12-02T09:00:00Z', lastSeen: '2026-12-02T09:57:00Z' },
    { listener: 'public', entry: 'office:', count: 3, firstSeen: '2026-12-02T09:59:58Z', lastSeen: '2026-12-02T10:00:00Z' },
    { listener: 'public', count: 3 },
  ] });
  assert.equal(m.available, true);
  if (!m.available) return;
  assert.equal(matchText(m.byEntry.get('10.0.0.0/8'), now), 'public 12× 3 min ago; office 1× 2 h 5 min ago');
  assert.equal(matchText(m.byEntry.get('office:'), now), 'public 3× just now');
  assert.equal(matchText(m.byEntry.get('192.0.2.0/24'), now), '', 'an entry that admitted nothing');
  assert.deepEqual(readMatches({ available: false, reason: 'HAProxy cannot tell', matches: [] }), { available: false, reason: 'HAProxy cannot tell' });
});

test('changes are enabled for a write-scope token only, with the reason shown otherwise', () => {
  assert.equal(readOnlyReason({ actor: 'ops', scope: 'write' }, undefined), undefined);
  assert.match(readOnlyReason({ actor: 'dashboard-ro', scope: 'read' }, undefined) ?? '', /dashboard-ro, a token of scope read.*403 ERR_FORBIDDEN/);
  assert.match(readOnlyReason(undefined, undefined) ?? '', /until the server says/, 'not a guess while whoami has not answered');
  assert.match(readOnlyReason(undefined, 'The admin API did not answer (ERR_NETWORK)') ?? '', /could not be checked \(The admin API did not answer/);
});
