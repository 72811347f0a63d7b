/** The etcd store's decisions without etcd: ordering of observations, refusals, the start-up fallback. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IpgateError } from '../src/errors.js';
import { decodeJson, encodeJson } from '../src/store/codec.js';
import { REFUSE_EVERYONE } from '../src/store/etcd-keys.js';
import { fallback, healthOf, observe, startProblem, type EtcdView } from '../src/store/etcd-view.js';

const names = { key: '/ipgate/profiles/default', profileName: 'default' };
const decode = (value: string, source: string) => decodeJson(value, source);
const initial = { profile: REFUSE_EVERYONE, revision: '0' };
const start: EtcdView = { observedAt: 0, keyRevision: 0, snapshot: initial };
const value = (...ranges: string[]) => encodeJson({ authorizedIpRanges: ranges, egressIpRanges: [] });

test('a good value becomes the profile; a later repeat of the same revision changes nothing', () => {
  const first = observe(start, { at: 5, modRevision: 5, value: value('192.0.2.0/24') }, names, decode);
  assert.equal(first.event?.kind, 'changed');
  assert.deepEqual(first.view.snapshot, { profile: { authorizedIpRanges: ['192.0.2.0/24'], egressIpRanges: [] }, revision: '5' });
  const again = observe(first.view, { at: 9, modRevision: 5, value: value('192.0.2.0/24') }, names, decode);
  assert.equal(again.event, undefined);
  assert.equal(again.view.observedAt, 9);
});

test('an older observation (a late watch event) never undoes a newer one', () => {
  const newer = observe(start, { at: 8, modRevision: 8, value: value('198.51.100.0/24') }, names, decode).view;
  const late = observe(newer, { at: 6, modRevision: 6, value: value('192.0.2.0/24') }, names, decode);
  assert.equal(late.event, undefined);
  assert.equal(late.view, newer);
});

test('a bad value or a deleted key is refused and the last good profile stays', () => {
  const good = observe(start, { at: 3, modRevision: 3, value: value('192.0.2.0/24') }, names, decode).view;
  const bad = observe(good, { at: 4, modRevision: 4, value: '{"authorizedIpRanges":null}' }, names, decode);
  assert.equal(bad.event?.kind === 'rejected' ? bad.event.error.code : '', 'ERR_STORE_INVALID');
  assert.equal(bad.view.snapshot, good.snapshot);
  assert.equal(bad.view.keyRevision, 4, 'the refused revision is remembered, so it is reported once');
  const gone = observe(bad.view, { at: 7, modRevision: 0 }, names, decode);
  assert.equal(gone.event?.kind === 'rejected' ? gone.event.error.code : '', 'ERR_STORE_MISSING');
  assert.equal(gone.view.snapshot, good.snapshot);
  const thrown = observe(good, { at: 9, modRevision: 9, value: 'x' }, names, () => {
    throw new Error('not an IpgateError');
  });
  assert.ok(thrown.event?.kind === 'rejected' && thrown.event.error instanceof IpgateError);
});

test('start-up: why there is no good profile, and what is enforced instead', () => {
  assert.equal(startProblem(start, initial, names, false), `etcd key ${names.key} does not exist and the config has no profile to seed it`);
  assert.match(startProblem(start, initial, names, true) ?? '', /was deleted/);
  const refusedOnly = observe(start, { at: 2, modRevision: 2, value: '{}' }, names, decode).view;
  assert.match(startProblem(refusedOnly, initial, names, true) ?? '', /holds no valid profile/);
  const good = observe(start, { at: 2, modRevision: 2, value: value('192.0.2.0/24') }, names, decode).view;
  assert.equal(startProblem(good, initial, names, true), undefined);
  const cached = { profile: { authorizedIpRanges: ['192.0.2.0/24'], egressIpRanges: [] }, revision: '41' };
  const fromCache = fallback('etcd unreachable at start', { snapshot: cached, file: '/var/lib/ipgate/lkg.json' });
  assert.equal(fromCache.snapshot, cached);
  assert.match(fromCache.detail, /enforcing the last known good profile from \/var\/lib\/ipgate\/lkg\.json \(revision 41\)/);
  const none = fallback('etcd unreachable at start', { problem: 'no store.cacheFile configured' });
  assert.equal(none.snapshot, undefined);
  assert.match(none.detail, /refusing every source/);
});

test('health: up only when etcd answers and a started watch is connected', () => {
  const base = { watchErrors: 2, rejected: 1 };
  assert.deepEqual(healthOf({ ...base, reachable: true, watching: false, watchConnected: false }), { up: true, watchErrors: 2, rejected: 1 });
  assert.equal(healthOf({ ...base, reachable: true, watching: true, watchConnected: false, detail: 'watch disconnected' }).detail, 'watch disconnected');
  assert.equal(healthOf({ ...base, reachable: false, watching: false, watchConnected: false }).detail, 'etcd not reached yet');
});
