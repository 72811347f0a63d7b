/**
 * Notes and expiry times of entries, without a running gateway: how they are checked, how they are written
 * in JSON values and list files and read back, how a list file is edited in place, what is enforced at a
 * given time (expired entries left out, "egress only" instead of "disabled"), and the diff a history record
 * carries.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IpgateError } from '../src/errors.js';
import { checkNote, parseExpiry, profileWithInfo, sameEntriesAnyOrder, toWire } from '../src/policy/entry-info.js';
import { withoutExpired } from '../src/policy/expiry.js';
import { profileDiff } from '../src/policy/profile-diff.js';
import type { EntryInfo, Profile } from '../src/policy/profile.js';
import { decodeJson, decodeList, encodeJson, encodeList } from '../src/store/codec.js';
import { recordEntries } from '../src/store/history.js';
import { editListText } from '../src/store/list-file.js';

function code(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof IpgateError, String(error));
    return error.code;
  }
  return 'no error';
}

const T = Date.parse('2026-12-02T18:00:00Z');

function withNotes(authorized: string[], notes: Record<string, EntryInfo>, egress: string[] = []): Profile {
  return profileWithInfo(authorized, egress, { authorizedIpRanges: new Map(Object.entries(notes)) });
}

describe('notes and expiry times are checked', () => {
  test('a note is one line of at most 256 characters, trimmed', () => {
    assert.equal(checkNote('  Alice, VPN outage ', 'x'), 'Alice, VPN outage');
    assert.equal(code(() => checkNote('   ', 'x')), 'ERR_ENTRY_NOTE');
    assert.equal(code(() => checkNote('two\nlines', 'x')), 'ERR_ENTRY_NOTE');
    assert.equal(code(() => checkNote('tab\there', 'x')), 'ERR_ENTRY_NOTE');
    assert.equal(code(() => checkNote('x'.repeat(257), 'x')), 'ERR_ENTRY_NOTE');
    assert.equal(checkNote('é'.repeat(256), 'x').length, 256);
  });

  test('an expiry time is an RFC 3339 date-time with a zone, and a real one', () => {
    assert.equal(parseExpiry('2026-12-02T18:00:00Z', 'x'), T);
    assert.equal(parseExpiry('2026-12-02T19:00:00+01:00', 'x'), T);
    assert.equal(parseExpiry('2026-12-02t18:00:00.5z', 'x'), T + 500);
    for (const bad of ['2026-12-02T18:00:00', '2026-12-02', 'tomorrow', '8h', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-12-02T24:00:00Z', '2026-12-02T18:00:60Z', '2026-12-02T18:00:00+25:00', ' 2026-12-02T18:00:00Z']) {
      assert.equal(code(() => parseExpiry(bad, 'x')), 'ERR_ENTRY_EXPIRES', bad);
    }
  });
});

describe('what is enforced at a time', () => {
  const profile = withNotes(['10.0.0.0/8', '203.0.113.7/32', '198.51.100.0/24'], {
    '203.0.113.7/32': { note: 'Alice', expires: '2026-12-02T18:00:00Z' },
    '198.51.100.0/24': { expires: '2026-12-02T20:00:00Z' },
  });

  test('an entry is enforced until its expiry time and not from that instant on', () => {
    const before = withoutExpired(profile, T - 1);
    assert.equal(before.profile, profile, 'nothing expired: the profile itself');
    assert.equal(before.expiresAt, T);
    const at = withoutExpired(profile, T);
    assert.deepEqual(at.profile.authorizedIpRanges, ['10.0.0.0/8', '198.51.100.0/24']);
    assert.deepEqual(at.expired, ['203.0.113.7/32']);
    assert.equal(at.expiresAt, Date.parse('2026-12-02T20:00:00Z'));
    assert.equal(at.profile.entryInfo?.authorizedIpRanges?.get('198.51.100.0/24')?.expires, '2026-12-02T20:00:00Z', 'the notes of what stays are kept');
  });

  test('when the last authorized entry expires the profile is "egress only", never "disabled"', () => {
    const only = withNotes(['203.0.113.7/32'], { '203.0.113.7/32': { expires: '2026-12-02T18:00:00Z' } }, ['20.50.1.7/32']);
    const after = withoutExpired(only, T);
    assert.deepEqual(after.profile.authorizedIpRanges, ['0.0.0.0/32']);
    assert.deepEqual(after.profile.egressIpRanges, ['20.50.1.7/32']);
    assert.equal(after.egressOnly, true);
    assert.equal(after.expiresAt, Infinity);
  });

  test('a profile without expiry times is returned as it is (no copy of a large list)', () => {
    const big: Profile = { authorizedIpRanges: Array.from({ length: 1000 }, (_, i) => `10.0.${i >> 8}.${i & 255}/32`), egressIpRanges: [] };
    const r = withoutExpired(big, T);
    assert.equal(r.profile, big);
    assert.equal(r.expiresAt, Infinity);
  });
});

describe('stored forms', () => {
  const profile = withNotes(['10.0.0.0/8', '203.0.113.7/32', '2001:db8::/32'], {
    '203.0.113.7/32': { note: 'Alice, VPN outage; expires: never', expires: '2026-12-02T18:00:00Z' },
    '2001:db8::/32': { note: 'lab # 2' },
  });

  test('JSON: entries with a note or expiry are objects, the others strings, and read back the same', () => {
    const text = encodeJson(profile);
    const value = JSON.parse(text) as { authorizedIpRanges: unknown[] };
    assert.deepEqual(value.authorizedIpRanges, [
      '10.0.0.0/8',
      { range: '203.0.113.7/32', note: 'Alice, VPN outage; expires: never', expires: '2026-12-02T18:00:00Z' },
      { range: '2001:db8::/32', note: 'lab # 2' },
    ]);
    const back = decodeJson(text, 'test');
    assert.ok(sameEntriesAnyOrder(back, profile));
    assert.deepEqual(toWire(back), toWire(profile));
  });

  test('JSON: a malformed entry object is refused, naming it', () => {
    for (const bad of [
      '{"authorizedIpRanges":[{"note":"x"}]}',
      '{"authorizedIpRanges":[{"range":"10.0.0.0/8","note":7}]}',
      '{"authorizedIpRanges":[{"range":"10.0.0.0/8","expires":"soon"}]}',
      '{"authorizedIpRanges":[{"range":"10.0.0.0/8","by":"me"}]}',
      '{"authorizedIpRanges":[{"range":"10.0.0.0/8","note":"a\\nb"}]}',
    ]) {
      assert.equal(code(() => decodeJson(bad, 'test')), 'ERR_STORE_INVALID', bad);
    }
    // An entry that has expired is read as it is (what is enforced leaves it out).
    assert.equal(decodeJson('{"authorizedIpRanges":[{"range":"10.0.0.0/8","expires":"2000-01-01T00:00:00Z"}]}', 'test').authorizedIpRanges[0], '10.0.0.0/8');
  });

  test('list file: a note and an expiry time are a trailing comment that reads back as written', () => {
    const text = encodeList(profile, 'test');
    assert.equal(text, [
      '10.0.0.0/8',
      '203.0.113.7/32  # expires: 2026-12-02T18:00:00Z; note: Alice, VPN outage; expires: never',
      '2001:db8::/32  # note: lab # 2',
      '',
    ].join('\n'));
    const back = decodeList(text, 'test');
    assert.deepEqual(toWire(back), toWire(profile));
  });

  test('list file: other comments are comments; a comment that starts like an expiry but is not one is refused', () => {
    const p = decodeList('10.0.0.0/8  # HQ\n192.0.2.0/24 # Note: not a note\n198.51.100.0/24 #note: a note\n', 'test');
    assert.deepEqual(toWire(p).authorizedIpRanges, ['10.0.0.0/8', '192.0.2.0/24', { range: '198.51.100.0/24', note: 'a note' }]);
    assert.equal(code(() => decodeList('10.0.0.0/8  # expires: tomorrow\n', 'test')), 'ERR_STORE_INVALID');
    assert.equal(code(() => decodeList('10.0.0.0/8  # expires: 2026-12-02T18:00:00Z by Bob\n', 'test')), 'ERR_STORE_INVALID');
    assert.equal(code(() => decodeList('10.0.0.0/8  # note:\n', 'test')), 'ERR_STORE_INVALID');
    // Several entries on one line share its note.
    const shared = decodeList('10.1.0.0/16, 10.2.0.0/16  # note: branch offices\n', 'test');
    assert.equal(shared.entryInfo?.authorizedIpRanges?.get('10.2.0.0/16')?.note, 'branch offices');
  });
});

describe('a list file is edited in place', () => {
  const file = [
    '# Production access list',
    '# owner: platform team',
    '',
    '10.0.0.0/8   # HQ',
    '192.0.2.0/24',
    '',
    '  # vpn pools',
    '198.51.100.0/24, 198.51.101.0/24  # pools A and B',
    '',
  ].join('\n');

  function edit(target: Profile): string {
    const text = editListText(file, target, profileDiff(decodeList(file, 'test'), target).authorizedIpRanges);
    assert.ok(sameEntriesAnyOrder(decodeList(text, 'test'), target), `reads back as asked:\n${text}`);
    return text;
  }

  test('adding keeps every line and appends the entry with its note', () => {
    const text = edit(withNotes(['10.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24', '198.51.101.0/24', '203.0.113.7/32'], { '203.0.113.7/32': { note: 'Alice' } }));
    assert.equal(text, `${file}203.0.113.7/32  # note: Alice\n`);
  });

  test('removing drops only the line of the entry (or the entry from a shared line)', () => {
    const text = edit({ authorizedIpRanges: ['10.0.0.0/8', '198.51.101.0/24'], egressIpRanges: [] });
    assert.equal(text, [
      '# Production access list',
      '# owner: platform team',
      '',
      '10.0.0.0/8   # HQ',
      '',
      '  # vpn pools',
      '198.51.101.0/24  # pools A and B',
      '',
    ].join('\n'));
  });

  test('a note given to an entry with a plain comment keeps the comment on a line above', () => {
    const text = edit(withNotes(['10.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24', '198.51.101.0/24'], { '10.0.0.0/8': { note: 'HQ network', expires: '2030-01-01T00:00:00Z' } }));
    assert.match(text, /^# HQ\n10\.0\.0\.0\/8 {2}# expires: 2030-01-01T00:00:00Z; note: HQ network$/m);
    assert.match(text, /^# owner: platform team$/m);
  });

  test('a note given to one entry of a shared line moves that entry to a line of its own', () => {
    const text = edit(withNotes(['10.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24', '198.51.101.0/24'], { '198.51.101.0/24': { note: 'pool B, Bob' } }));
    assert.match(text, /^198\.51\.100\.0\/24 {2}# pools A and B\n198\.51\.101\.0\/24 {2}# note: pool B, Bob$/m);
  });

  test('replacing every entry keeps the comment lines and drops every line that held an entry', () => {
    const text = edit(withNotes(['203.0.113.7/32', '2001:db8::/48'], { '2001:db8::/48': { note: 'lab' } }));
    assert.equal(text, [
      '# Production access list',
      '# owner: platform team',
      '',
      '',
      '  # vpn pools',
      '203.0.113.7/32',
      '2001:db8::/48  # note: lab',
      '',
    ].join('\n'));
    const crlf = file.replaceAll('\n', '\r\n');
    const target: Profile = { authorizedIpRanges: ['203.0.113.7/32'], egressIpRanges: [] };
    assert.equal(editListText(crlf, target, profileDiff(decodeList(crlf, 'test'), target).authorizedIpRanges), [
      '# Production access list', '# owner: platform team', '', '', '  # vpn pools', '203.0.113.7/32', '',
    ].join('\n'));
  });

  test('disabling keeps the comments and writes the marker; enabling again drops the marker', () => {
    const off = edit({ authorizedIpRanges: [], egressIpRanges: [] });
    assert.match(off, /^# Production access list$/m);
    assert.match(off, /^# ipgate: disabled \(every source is allowed\)$/m);
    const target: Profile = { authorizedIpRanges: ['10.0.0.0/8'], egressIpRanges: [] };
    const on = editListText(off, target, profileDiff(decodeList(off, 'test'), target).authorizedIpRanges);
    assert.doesNotMatch(on, /ipgate: disabled/);
    assert.match(on, /^# owner: platform team$/m);
  });
});

test('a history diff lists added and removed entries, and a changed note as both', () => {
  const before = withNotes(['10.0.0.0/8', '203.0.113.7/32', '192.0.2.0/24'], { '203.0.113.7/32': { note: 'Alice' } });
  const after = withNotes(['10.0.0.0/8', '203.0.113.7/32', '198.51.100.7/32'], { '203.0.113.7/32': { note: 'Alice', expires: '2030-01-01T00:00:00Z' } });
  const diff = recordEntries(before, after);
  assert.deepEqual(diff.added, [{ range: '203.0.113.7/32', note: 'Alice', expires: '2030-01-01T00:00:00Z' }, '198.51.100.7/32']);
  assert.deepEqual(diff.removed, [{ range: '203.0.113.7/32', note: 'Alice' }, '192.0.2.0/24']);
  assert.equal(diff.addedCount, 2);
  assert.equal(diff.removedCount, 2);
});

test('the record of a change that creates the profile lists every entry as added, whatever diff the writer had', () => {
  // A writer compares with the profile it enforced meanwhile (etcd: "refuse everyone" before the key exists).
  const standIn: Profile = { authorizedIpRanges: ['0.0.0.0/32'], egressIpRanges: [] };
  const created = withNotes(['10.0.0.0/8', '203.0.113.7/32'], { '203.0.113.7/32': { note: 'Alice' } });
  const record = recordEntries(undefined, created, profileDiff(standIn, created));
  assert.deepEqual(record.added, ['10.0.0.0/8', { range: '203.0.113.7/32', note: 'Alice' }]);
  assert.deepEqual(record.removed, []);
  assert.equal(record.addedCount, 2);
  assert.equal(record.removedCount, 0);
});
