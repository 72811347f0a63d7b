import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import fc from 'fast-check';
import { compileProfile, decide, ProfileInvalidError } from '../src/policy/decide.js';
import { parseAddress, parseRange } from '../src/cidr/parse.js';
import type { Profile } from '../src/policy/profile.js';

const profile = (authorizedIpRanges: string[], egressIpRanges: string[] = []): Profile => ({ authorizedIpRanges, egressIpRanges });

test('disabled: an empty list allows everyone, but an invalid address is still an error', () => {
  const c = compileProfile(profile([], ['52.1.2.3']));
  assert.deepEqual(c.decide('8.8.8.8'), { allowed: true, reason: 'disabled' });
  assert.deepEqual(c.decide('2001:db8::1'), { allowed: true, reason: 'disabled' });
  assert.throws(() => c.decide('8.8.8'), { code: 'ERR_IPV4_SHORT' });
});

test('authorized: the most specific entry as written decides', () => {
  const c = compileProfile(profile(['20.0.0.0/8', '20.1.0.0/16', '2001:db8::/32', '73.140.245.7'], ['52.1.2.3']));
  assert.deepEqual(c.decide('20.1.2.3'), { allowed: true, reason: 'authorized', matched: '20.1.0.0/16' });
  assert.deepEqual(c.decide('20.2.2.3'), { allowed: true, reason: 'authorized', matched: '20.0.0.0/8' });
  assert.deepEqual(c.decide('2001:db8:ffff::9'), { allowed: true, reason: 'authorized', matched: '2001:db8::/32' });
  assert.deepEqual(c.decide('73.140.245.7'), { allowed: true, reason: 'authorized', matched: '73.140.245.7' });
  assert.deepEqual(c.decide('73.140.245.8'), { allowed: false, reason: 'not-authorized' });
  assert.deepEqual(c.decide('2001:db9::1'), { allowed: false, reason: 'not-authorized' });
  assert.equal(c.entries, 5);
});

test('egress addresses are always allowed', () => {
  const c = compileProfile(profile(['20.0.0.0/8'], ['52.1.2.3', '2001:db8::7']));
  assert.deepEqual(c.decide('52.1.2.3'), { allowed: true, reason: 'egress', matched: '52.1.2.3' });
  assert.deepEqual(c.decide('2001:db8::7'), { allowed: true, reason: 'egress', matched: '2001:db8::7' });
  assert.deepEqual(c.decide('52.1.2.4'), { allowed: false, reason: 'not-authorized' });
});

test('the most specific entry of either list decides; on equal ranges the authorized entry', () => {
  const c = compileProfile(profile(['20.0.0.0/8', '52.1.2.3'], ['20.1.2.3', '52.1.2.3/32']));
  assert.deepEqual(c.decide('20.1.2.3'), { allowed: true, reason: 'egress', matched: '20.1.2.3' });
  assert.deepEqual(c.decide('20.1.2.4'), { allowed: true, reason: 'authorized', matched: '20.0.0.0/8' });
  assert.deepEqual(c.decide('52.1.2.3'), { allowed: true, reason: 'authorized', matched: '52.1.2.3' });
});

test('0.0.0.0/32 alone: only egress addresses', () => {
  const c = compileProfile(profile(['0.0.0.0/32'], ['52.1.2.0/30']));
  assert.deepEqual(c.decide('52.1.2.3'), { allowed: true, reason: 'egress', matched: '52.1.2.0/30' });
  assert.deepEqual(c.decide('52.1.2.4'), { allowed: false, reason: 'egress-only' });
  assert.deepEqual(c.decide('0.0.0.0'), { allowed: false, reason: 'egress-only' });
  assert.deepEqual(compileProfile(profile(['0.0.0.0/32'])).decide('1.1.1.1'), { allowed: false, reason: 'egress-only' });
});

test('IPv4-mapped IPv6 clients are matched as IPv4; v4 and v6 never match each other otherwise', () => {
  const c = compileProfile(profile(['20.0.0.0/8', '2001:db8::/32']));
  assert.deepEqual(c.decide('::ffff:20.1.2.3'), { allowed: true, reason: 'authorized', matched: '20.0.0.0/8' });
  assert.deepEqual(c.decide('::FFFF:1401:203'), { allowed: true, reason: 'authorized', matched: '20.0.0.0/8' });
  assert.deepEqual(c.decide(parseAddress('::ffff:20.1.2.3')), { allowed: true, reason: 'authorized', matched: '20.0.0.0/8' });
  assert.equal(c.decide('::20.1.2.3').allowed, false); // IPv4-compatible is IPv6
  assert.equal(c.decide('64:ff9b::20.1.2.3').allowed, false); // NAT64 is IPv6
  assert.equal(compileProfile(profile(['::/0'])).decide('20.1.2.3').allowed, false);
  assert.equal(compileProfile(profile(['0.0.0.0/0'])).decide('2001:db8::1').allowed, false);
});

test('verdicts are reused: a decision allocates no new verdict', () => {
  const c = compileProfile(profile(['20.0.0.0/8'], ['52.1.2.3']));
  assert.equal(c.decide('20.1.2.3'), c.decide('20.9.9.9'));
  assert.equal(c.decide('52.1.2.3'), c.decide('52.1.2.3'));
  assert.equal(c.decide('1.1.1.1'), c.decide('2.2.2.2'));
  assert.ok(Object.isFrozen(c.decide('20.1.2.3')));
});

test('invalid addresses throw as parseAddress does', () => {
  const c = compileProfile(profile(['20.0.0.0/8']));
  for (const bad of ['020.1.2.3', '20.1.2.3/32', ' 20.1.2.3', 'fe80::1%eth0', '']) {
    assert.throws(() => c.decide(bad), (e: unknown) => (e as { code?: string }).code?.startsWith('ERR_') === true, bad);
  }
});

test('invalid profiles: ERR_PROFILE_INVALID listing every problem, with a problems array', () => {
  assert.throws(() => compileProfile(profile(['0.0.0.0/32', '20.0.0.0/8', '10.0.0.1/24'], ['AzureCloud'])), (e: unknown) => {
    assert.ok(e instanceof ProfileInvalidError);
    assert.equal(e.code, 'ERR_PROFILE_INVALID');
    assert.deepEqual(e.problems.map((p) => p.code), ['ERR_EGRESS_ONLY_COMBINED', 'ERR_HOST_BITS', 'ERR_SERVICE_TAG_UNSUPPORTED']);
    assert.match(e.message, /3 problems/);
    assert.match(e.message, /10\.0\.0\.1\/24/);
    assert.match(e.message, /AzureCloud/);
    return true;
  });
  assert.throws(() => decide(profile(['AzureCloud']), '1.2.3.4'), { code: 'ERR_PROFILE_INVALID' });
});

test('the compiled profile is a snapshot: later changes to the input arrays change nothing', () => {
  const list = ['20.0.0.0/8'];
  const c = compileProfile(profile(list));
  list.push('30.0.0.0/8');
  assert.equal(c.decide('30.1.1.1').allowed, false);
  assert.deepEqual(c.profile.authorizedIpRanges, ['20.0.0.0/8']);
});

test('property: decide agrees with node:net BlockList (authorized + egress)', () => {
  const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([n, p]) => {
    const net = p === 0 ? 0 : (n >>> (32 - p)) << (32 - p) >>> 0;
    return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${p}`;
  }).filter((r) => r !== '0.0.0.0/32');
  fc.assert(fc.property(fc.array(v4, { minLength: 1, maxLength: 20 }), fc.array(v4, { maxLength: 3 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 20 }), (auth, egress, probes) => {
    const c = compileProfile(profile(auth, egress));
    const a = new BlockList();
    for (const r of auth) { const [n, p] = r.split('/'); a.addSubnet(n ?? '', Number(p), 'ipv4'); }
    const e = new BlockList();
    for (const r of egress) { const [n, p] = r.split('/'); e.addSubnet(n ?? '', Number(p), 'ipv4'); }
    const inside = [...auth, ...egress].map((r) => {
      const [n] = r.split('/');
      return (n ?? '0.0.0.0').split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    });
    for (const x of [...probes, ...inside, ...inside.map((v) => (v + 1) >>> 0)]) {
      const addr = `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
      const v = c.decide(addr);
      const expected = a.check(addr, 'ipv4') || e.check(addr, 'ipv4');
      assert.equal(v.allowed, expected, addr);
      const inA = a.check(addr, 'ipv4');
      const inE = e.check(addr, 'ipv4');
      if (!expected) assert.equal(v.reason, 'not-authorized');
      else if (inA && !inE) assert.equal(v.reason, 'authorized');
      else if (inE && !inA) assert.equal(v.reason, 'egress');
      else assert.ok(v.reason === 'authorized' || v.reason === 'egress');
      if (v.matched !== undefined) {
        assert.ok((v.reason === 'authorized' ? auth : egress).includes(v.matched));
        const one = new BlockList();
        const [n, p] = v.matched.split('/');
        one.addSubnet(n ?? '', Number(p), 'ipv4');
        assert.ok(one.check(addr, 'ipv4'), `${v.matched} does not contain ${addr}`);
      }
    }
  }), { numRuns: 200 });
});

test('compiling equal lists again gives the same decisions; edited lists are compiled afresh', () => {
  const list = ['20.0.0.0/8'];
  const a = compileProfile(profile(list));
  assert.equal(compileProfile(profile([...list])).decide('20.1.1.1').allowed, true);
  list.push('30.0.0.0/8');
  const b = compileProfile(profile(list));
  assert.equal(b.decide('30.1.1.1').allowed, true);
  assert.equal(a.decide('30.1.1.1').allowed, false);
  assert.throws(() => compileProfile(profile(['20.0.0.0/8', '30.0.0.1/8'])), { code: 'ERR_PROFILE_INVALID' });
  assert.throws(() => compileProfile({ authorizedIpRanges: '20.0.0.0/8' } as unknown as Profile), { code: 'ERR_PROFILE_INVALID' });
});

test('the compiled profile carries every entry parsed, as written, in list order', () => {
  const c = compileProfile(profile(['20.0.0.0/8', '73.140.245.7', '2001:DB8::/32', '::ffff:1.2.3.0/120'], ['52.1.2.3/32', '20.0.0.0/8']));
  assert.deepEqual(c.authorizedRanges?.map((e) => [e.entry, e.range]), [
    ['20.0.0.0/8', parseRange('20.0.0.0/8')], ['73.140.245.7', parseRange('73.140.245.7/32')],
    ['2001:DB8::/32', parseRange('2001:db8::/32')], ['::ffff:1.2.3.0/120', parseRange('1.2.3.0/24')],
  ]);
  assert.deepEqual(c.egressRanges?.map((e) => e.entry), ['52.1.2.3/32', '20.0.0.0/8']);
  assert.deepEqual(c.decide('20.1.1.1'), { allowed: true, reason: 'authorized', matched: '20.0.0.0/8' });
});
