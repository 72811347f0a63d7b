import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceSync, type SyncReport } from '../src/sources/sync.js';
import { expandProfile } from '../src/sources/expand.js';
import { sourcesSchema } from '../src/sources/schema.js';
import { fixture, startFixtureServer } from './sources-fixture-server.js';

interface GithubMeta { hooks: string[]; [key: string]: unknown }

async function setup(): Promise<{ dir: string; done: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ipgate-sources-'));
  return { dir, done: () => rm(dir, { recursive: true, force: true }) };
}

test('sync over HTTP: change between syncs, ETag 304, failures keep the last good data', async () => {
  const server = await startFixtureServer();
  const { dir, done } = await setup();
  const meta = JSON.parse(fixture('github-meta.json')) as GithubMeta;
  server.routes.set('/meta', { body: JSON.stringify(meta), etag: true });
  const reports: SyncReport[] = [];
  const references = ['github:hooks', '10.9.0.0/16'];
  const sources = sourcesSchema.parse([{ name: 'github', type: 'github-meta', url: `${server.base}/meta`, refresh: '24h' }]);
  const make = (): SourceSync => new SourceSync({
    sources, baseDir: dir, cacheDir: join(dir, 'cache'), timeoutMs: 300, retries: 1, backoffMs: 10,
    references: () => references, onSync: (r) => reports.push(r),
  });
  const sync = make();
  const profile = { authorizedIpRanges: ['github:hooks'], egressIpRanges: [] };
  try {
    const [first] = await sync.syncAll();
    assert.equal(first?.outcome, 'updated');
    const hooks = (): string[] => expandProfile(profile, sync.catalogues()).authorized.map((r) => r.cidr).sort();
    assert.deepEqual(hooks(), [...meta.hooks].sort());
    const st0 = sync.status()[0];
    assert.ok(st0?.etag !== undefined && st0.lastSuccess !== undefined && st0.lastError === undefined);

    // Unchanged file: conditional request answered 304.
    const [second] = await sync.syncAll();
    assert.equal(second?.outcome, 'not-modified');
    assert.equal(server.requests.at(-1)?.status, 304);
    assert.equal(server.requests.at(-1)?.ifNoneMatch, st0.etag);

    // A prefix added and one removed: visible in the change report and in the expanded profile.
    const removed = meta.hooks[0] ?? '';
    const changed = { ...meta, hooks: [...meta.hooks.slice(1), '198.18.77.0/24'] };
    server.routes.set('/meta', { body: JSON.stringify(changed), etag: true });
    const [third] = await sync.syncAll();
    assert.equal(third?.outcome, 'updated');
    const perRef = third?.changes.find((c) => c.reference === 'github:hooks');
    assert.deepEqual(perRef, { reference: 'github:hooks', added: ['198.18.77.0/24'], removed: [removed] });
    assert.ok(third?.changes.some((c) => c.reference === 'github:*'));
    assert.ok(hooks().includes('198.18.77.0/24') && !hooks().includes(removed));
    const good = hooks();

    // Broken JSON, a 500, a slow answer: the last good data stays, the status reports the error.
    for (const [route, codeRe] of [
      [{ body: '{"hooks": [', etag: true }, /ERR_SOURCE_PARSE/],
      [{ body: '', status: 500 }, /ERR_SOURCE_FETCH/],
      [{ body: JSON.stringify(meta), delayMs: 2000 }, /ERR_SOURCE_FETCH/],
    ] as const) {
      server.routes.set('/meta', route);
      const [r] = await sync.syncAll();
      assert.equal(r?.outcome, 'failed');
      const st = sync.status()[0];
      assert.match(st?.lastError?.code ?? '', codeRe);
      assert.deepEqual(hooks(), good, 'last good data kept');
      assert.equal(st?.prefixCount, sync.catalogues()[0]?.prefixCount);
      assert.ok((st?.prefixCount ?? 0) > 0);
    }
    assert.match(sync.status()[0]?.lastError?.message ?? '', /within 300 ms/);
    assert.match(reports.filter((r) => r.outcome === 'failed')[1]?.error?.message ?? '', /HTTP 500.*2 attempts/);

    // A fresh process with the server down starts from the disk cache (never an empty list).
    await server.close();
    const restarted = make();
    await restarted.loadCache();
    const [r] = await restarted.syncAll();
    assert.equal(r?.outcome, 'failed');
    assert.deepEqual(expandProfile(profile, restarted.catalogues()).authorized.map((x) => x.cidr).sort(), good);
    assert.equal(restarted.status()[0]?.fromCache, true);
    restarted.stop();
  } finally {
    sync.stop();
    await server.close().catch(() => undefined);
    await done();
  }
});

test('cache files are complete and validated; a started sync refreshes on schedule', async () => {
  const server = await startFixtureServer();
  const { dir, done } = await setup();
  server.routes.set('/tags', { body: fixture('azure-service-tags.json'), etag: true });
  const sources = sourcesSchema.parse([
    { name: 'azure', type: 'azure-service-tags', url: `${server.base}/tags`, refresh: '1s' },
    { name: 'office', type: 'text', file: './office.txt' },
  ]);
  await writeFile(join(dir, 'office.txt'), '198.51.100.0/24\n');
  const reports: SyncReport[] = [];
  const sync = new SourceSync({ sources, baseDir: dir, cacheDir: join(dir, 'cache'), timeoutMs: 2000, retries: 0, backoffMs: 10, onSync: (r) => reports.push(r), references: () => ['office:'] });
  try {
    await sync.start();
    const raw = await readFile(join(dir, 'cache', 'azure.raw'), 'utf8');
    assert.equal(raw, fixture('azure-service-tags.json'));
    const metaFile = JSON.parse(await readFile(join(dir, 'cache', 'azure.meta.json'), 'utf8')) as { etag: string };
    assert.equal(metaFile.etag, sync.status()[0]?.etag);
    // The file source changes on disk; the next scheduled round (1s for azure; office is synced explicitly) sees it.
    await writeFile(join(dir, 'office.txt'), '198.51.100.0/24\n203.0.113.0/24\n');
    const r = await sync.sync('office');
    assert.deepEqual(r.changes.find((c) => c.reference === 'office:')?.added, ['203.0.113.0/24']);
    // Broken local file: kept.
    await writeFile(join(dir, 'office.txt'), '203.0.113.5/24\n');
    assert.equal((await sync.sync('office')).outcome, 'failed');
    assert.equal(expandProfile({ authorizedIpRanges: ['office:'], egressIpRanges: [] }, sync.catalogues()).authorized.length, 2);
    const before = server.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1600));
    assert.ok(server.requests.length > before, 'scheduled refresh fetched again');
    assert.equal(server.requests.at(-1)?.status, 304);
  } finally {
    sync.stop();
    await server.close();
    await done();
  }
});

test('the sources: schema takes the keys exactly as documented', () => {
  assert.equal(sourcesSchema.safeParse([{ name: 'aws', type: 'aws-ip-ranges', file: './ip-ranges.json', refresh: '24h' }]).success, true);
  const bad = [
    [{ name: 'aws', type: 'aws-ip-ranges' }],
    [{ name: 'aws', type: 'aws-ip-ranges', file: 'a', url: 'https://x/y' }],
    [{ name: 'aws', type: 'aws', file: 'a' }],
    [{ name: 'aws', type: 'aws-ip-ranges', file: 'a', refresh: 'daily' }],
    [{ name: 'aws', type: 'aws-ip-ranges', file: 'a', extra: 1 }],
    [{ name: '../x', type: 'text', file: 'a' }],
    [{ name: 'a', type: 'text', url: 'ftp://x/y' }],
    [{ name: 'a', type: 'text', file: 'a' }, { name: 'a', type: 'text', file: 'b' }],
  ];
  for (const b of bad) assert.equal(sourcesSchema.safeParse(b).success, false, JSON.stringify(b));
});
