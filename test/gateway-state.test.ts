import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionTracker, type TrackedConnection } from '../src/gateway/connection-tracker.js';
import { ProfileState } from '../src/runtime/profile-state.js';
import { compileProfile } from '../src/policy/decide.js';

test('profile state: swaps whole generations, refuses invalid ones, notifies subscribers', () => {
  const state = new ProfileState({ profile: { authorizedIpRanges: ['192.0.2.0/24'], egressIpRanges: [] }, revision: 'a' });
  const seen: number[] = [];
  state.subscribe((current, previous) => seen.push(previous.generation, current.generation));
  assert.equal(state.current.generation, 1);
  assert.equal(state.swap({ profile: { authorizedIpRanges: ['192.0.2.0/24'], egressIpRanges: [] }, revision: 'a' }).generation, 1, 'same revision: no-op');
  assert.throws(() => state.swap({ profile: { authorizedIpRanges: ['192.0.2.1/24'], egressIpRanges: [] }, revision: 'bad' }));
  assert.equal(state.current.revision, 'a');
  assert.equal(state.current.compiled.decide('192.0.2.9').allowed, true);
  state.swap({ profile: { authorizedIpRanges: ['198.51.100.0/24'], egressIpRanges: [] }, revision: 'b' });
  assert.deepEqual(seen, [1, 2]);
  assert.equal(state.current.compiled.decide('192.0.2.9').allowed, false);
  assert.equal(state.current.compiled.decide('198.51.100.9').allowed, true);
});

test('connection tracker: revokes only enforced connections no longer allowed; drain waits', async () => {
  const tracker = new ConnectionTracker();
  const closed: string[] = [];
  const conn = (source: string, enforced: boolean): TrackedConnection => {
    const c: TrackedConnection = {
      listener: 'l',
      source,
      enforced,
      close: () => {
        closed.push(source);
        tracker.remove(c);
      },
      destroy: () => tracker.remove(c),
    };
    tracker.add(c);
    return c;
  };
  conn('192.0.2.1', true);
  conn('192.0.2.2', false);
  const keep = conn('198.51.100.1', true);
  const revoked = tracker.revoke(compileProfile({ authorizedIpRanges: ['198.51.100.0/24'], egressIpRanges: [] }));
  assert.deepEqual(revoked.map((c) => c.source), ['192.0.2.1']);
  assert.deepEqual(closed, ['192.0.2.1']);
  assert.equal(tracker.size, 2);
  assert.equal(await tracker.drained(30), false);
  const waiting = tracker.drained(2000);
  keep.destroy();
  tracker.destroyAll();
  assert.equal(await waiting, true);
});
