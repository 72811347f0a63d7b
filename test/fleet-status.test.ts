/**
 * The fleet view's judgement (pure): an instance behind the newest revision is stale only after 5 s counted
 * from when the first instance enforced the newest; one whose record was not written for 6 s is stale (never
 * the instance answering); both reasons are given when both hold; records are sorted by id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fleetStatus } from '../src/runtime/fleet-status.js';
import type { InstanceRecord } from '../src/store/instances.js';

const T0 = Date.parse('2026-01-05T10:00:00.000Z');
const iso = (ms: number): string => new Date(T0 + ms).toISOString();

function record(id: string, revision: string, enforcedAt: number, writtenAt: number): InstanceRecord {
  return {
    id, listeners: ['10.0.0.1:6443'], admin: '127.0.0.1:9090', profile: 'default', revision, enforcedSince: iso(enforcedAt),
    store: { up: true, detail: null }, version: '0.1.0', startedAt: iso(0), updatedAt: iso(writtenAt),
  };
}

test('behind the newest revision: stale only after 5 s from when the newest was first enforced', () => {
  const records = [record('b', '7', 1000, 9000), record('a', '8', 2000, 9000), record('c', '8', 3000, 9000)];
  const early = fleetStatus(records, { now: T0 + 6500, selfId: 'a' });
  assert.deepEqual(early.instances.map((i) => i.id), ['a', 'b', 'c']);
  assert.equal(early.revision, '8');
  assert.equal(early.stale, 0);
  const late = fleetStatus(records, { now: T0 + 7500, selfId: 'a' });
  assert.equal(late.stale, 1);
  assert.equal(late.instances.find((i) => i.id === 'b')?.problem, 'enforces revision 7, behind revision 8 for 6 s');
});

test('not seen for 6 s: stale (never the answering instance); both reasons when both hold', () => {
  const records = [record('a', '8', 0, 0), record('b', '8', 0, 1000), record('c', '7', 0, 500)];
  const s = fleetStatus(records, { now: T0 + 7200, selfId: 'a' });
  const by = new Map(s.instances.map((i) => [i.id, i]));
  assert.equal(by.get('a')?.stale, false, 'the answering instance is seen by definition');
  assert.equal(by.get('b')?.problem, 'not seen for 6 s');
  assert.equal(by.get('b')?.lastSeenSeconds, 6.2);
  assert.equal(by.get('c')?.problem, 'enforces revision 7, behind revision 8 for 7 s; not seen for 7 s');
  assert.equal(s.stale, 2);
});

test('revisions that are not numbers (a file store hash) compare only as equal or not; an unreadable time is -1', () => {
  const s = fleetStatus([{ ...record('a', 'Xy9', 0, 0), updatedAt: 'garbage' }], { now: T0 + 60_000, selfId: 'a', problem: 'why' });
  assert.equal(s.revision, 'Xy9');
  assert.equal(s.instances[0]?.lastSeenSeconds, -1);
  assert.equal(s.instances[0]?.stale, false);
  assert.equal(s.problem, 'why');
});
