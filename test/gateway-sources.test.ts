import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatAddress, formatRange } from '../src/cidr/format.js';
import { parseSource } from '../src/sources/parse.js';
import { select } from '../src/sources/select.js';
import { adminRequest, curlFrom, metricValue, opensslHold } from './helpers/clients.js';
import { runIpgate } from './helpers/ipgate.js';
import { gatewayFixture } from './helpers/setup.js';
import { waitFor } from './helpers/wait.js';
import { fixture, startFixtureServer } from './sources-fixture-server.js';

interface SourceView { name: string; available: boolean; prefixCount: number; lastSuccess: string | null; lastError: { code: string } | null; etag: string | null; nextRefresh: string | null; syncs: { successes: number; failures: number }; references: Array<{ entry: string; prefixes?: number }> }
interface SyncBody { reports: Array<{ source: string; outcome: string; changes: Array<{ reference: string; added: string[]; removed: string[] }>; error?: { code: string } }>; sources: SourceView[] }

test('gateway with range sources: enforced expansion, sync changes, failures keep the last good data, admin and CLI', async () => {
  const server = await startFixtureServer();
  server.routes.set('/office.txt', { body: '# office\n127.0.0.2/32\n', etag: true });
  server.routes.set('/ServiceTags_Public.json', { body: fixture('azure-service-tags.json'), etag: true });
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    sources: [
      { name: 'office', type: 'text', url: `${server.base}/office.txt`, refresh: '24h' },
      { name: 'azure', type: 'azure-service-tags', url: `${server.base}/ServiceTags_Public.json`, refresh: '24h' },
    ],
    sourceFetch: { timeoutMs: 400, retries: 0, backoffMs: 10 },
    store: { file: 'state/profile.json' },
    profile: { authorizedIpRanges: ['office:', 'azure:AzureCloud.westeurope'], egressIpRanges: [] },
  }));
  const admin = (method: string, path: string, body?: unknown): ReturnType<typeof adminRequest> =>
    adminRequest(fx.adminUrl, method, path, { token: fx.token, ...(body === undefined ? {} : { body }) });
  const sync = async (): Promise<SyncBody> => {
    const r = await admin('POST', '/v1/sources/sync');
    assert.equal(r.status, 200, r.text);
    return r.json as SyncBody;
  };
  const office = async (): Promise<SourceView> => {
    const r = await admin('GET', '/v1/sources');
    assert.equal(r.status, 200, r.text);
    const found = (r.json as { sources: SourceView[] }).sources.find((s) => s.name === 'office');
    assert.ok(found !== undefined);
    return found;
  };
  const metrics = async (): Promise<string> => (await adminRequest(fx.adminUrl, 'GET', '/metrics')).text;
  const cacert = fx.upstream.cert;
  try {
    // The stored profile keeps the references as written; the gateway enforces their expansion.
    const stored = await admin('GET', '/v1/profile');
    assert.deepEqual((stored.json as { authorizedIpRanges: string[] }).authorizedIpRanges, ['office:', 'azure:AzureCloud.westeurope']);
    assert.equal((await curlFrom('127.0.0.2', fx.port(), { cacert })).code, 0);
    assert.notEqual((await curlFrom('127.0.0.3', fx.port(), { cacert })).code, 0);

    // Public provider ranges: a pure decision through explain, naming the reference and the source.
    const westeurope = select(parseSource('azure-service-tags', 'azure', fixture('azure-service-tags.json')), 'AzureCloud.westeurope').filter((r) => r.family === 4);
    const prefix = westeurope[0];
    assert.ok(prefix !== undefined);
    const inside = formatAddress({ family: 4, value: prefix.network + 1n });
    const explained = await admin('GET', `/v1/explain?ip=${inside}`);
    assert.equal(explained.status, 200, explained.text);
    assert.deepEqual(explained.json, {
      address: inside, allowed: true, reason: 'authorized', matched: formatRange(prefix), reference: 'azure:AzureCloud.westeurope', source: 'azure',
    });
    const outside = (await admin('GET', '/v1/explain?ip=192.0.2.77')).json as Record<string, unknown>;
    assert.equal(outside['allowed'], false);
    assert.equal(outside['reference'], undefined);

    // A prefix added and one removed between syncs: enforced at once, the open connection is revoked.
    const held = opensslHold('127.0.0.2', fx.port(), cacert);
    await waitFor(async () => metricValue(await metrics(), 'ipgate_active_connections', '{listener="public"}') === 1, 3000, 'held connection');
    server.routes.set('/office.txt', { body: '# office\n127.0.0.3/32\n', etag: true });
    const changed = await sync();
    const officeReport = changed.reports.find((r) => r.source === 'office');
    assert.equal(officeReport?.outcome, 'updated');
    assert.deepEqual(officeReport.changes.find((c) => c.reference === 'office:'), { reference: 'office:', added: ['127.0.0.3/32'], removed: ['127.0.0.2/32'] });
    assert.equal(changed.reports.find((r) => r.source === 'azure')?.outcome, 'not-modified');
    await Promise.race([held.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('s_client still open')), 2000))]);
    assert.equal((await curlFrom('127.0.0.3', fx.port(), { cacert })).code, 0);
    assert.notEqual((await curlFrom('127.0.0.2', fx.port(), { cacert })).code, 0);
    const logged = fx.ipgate.logs().find((l) => l['event'] === 'source-changed' && l['reference'] === 'office:');
    assert.deepEqual(logged?.['added'], ['127.0.0.3/32']);
    assert.deepEqual(logged['removed'], ['127.0.0.2/32']);

    // Broken data, a 500, a slow answer: the last good data stays; the status and metrics show the error.
    for (const [route, code] of [
      [{ body: 'this is not a prefix\n' }, 'ERR_SOURCE_PARSE'],
      [{ body: '', status: 500 }, 'ERR_SOURCE_FETCH'],
      [{ body: '127.0.0.9/32\n', delayMs: 2000 }, 'ERR_SOURCE_FETCH'],
    ] as const) {
      server.routes.set('/office.txt', route);
      const failed = await sync();
      const report = failed.reports.find((r) => r.source === 'office');
      assert.equal(report?.outcome, 'failed', JSON.stringify(report));
      const status = await office();
      assert.equal(status.lastError?.code, code, JSON.stringify(status));
      assert.equal(status.available, true);
      assert.deepEqual(status.references, [{ entry: 'office:', prefixes: 1 }]);
      assert.equal((await curlFrom('127.0.0.3', fx.port(), { cacert })).code, 0, `still allowed after ${code}`);
    }
    const m = await metrics();
    assert.equal(metricValue(m, 'ipgate_source_syncs_total', '{source="office",result="failure"}'), 3);
    assert.ok((metricValue(m, 'ipgate_source_syncs_total', '{source="office",result="success"}') ?? 0) >= 2);
    assert.equal(metricValue(m, 'ipgate_source_up', '{source="office"}'), 0);
    assert.equal(metricValue(m, 'ipgate_source_prefixes', '{source="office"}'), 1);
    assert.ok((metricValue(m, 'ipgate_source_last_success_timestamp_seconds', '{source="azure"}') ?? 0) > 1.7e9);
    const azure = ((await admin('GET', '/v1/sources')).json as { sources: SourceView[] }).sources.find((s) => s.name === 'azure');
    assert.ok(azure !== undefined && azure.etag !== null && azure.nextRefresh !== null && azure.lastError === null && azure.prefixCount > 0);

    // Admin edits: unknown selectors and sources are refused with close matches; valid references accepted.
    const typo = await admin('PATCH', '/v1/profile', { add: ['azure:AzureCloud.westeuropa'] });
    assert.equal(typo.status, 400, typo.text);
    const typoErrors = (typo.json as { errors: Array<{ entry: string; code: string; message: string }> }).errors;
    assert.equal(typoErrors[0]?.entry, 'azure:AzureCloud.westeuropa');
    assert.equal(typoErrors[0]?.code, 'ERR_SELECTOR_UNKNOWN');
    assert.match(typoErrors[0]?.message ?? '', /did you mean .*AzureCloud\.westeurope/);
    const wrongSource = await admin('PATCH', '/v1/profile', { add: ['azrue:AzureCloud'] });
    assert.equal(wrongSource.status, 400);
    assert.match(wrongSource.text, /no source named \\"azrue\\".*did you mean \\"azure\\"/);
    const added = await admin('PATCH', '/v1/profile', { add: ['AzureCloud'] });
    assert.equal(added.status, 200, added.text);
    assert.deepEqual((added.json as { profile: { authorizedIpRanges: string[] } }).profile.authorizedIpRanges, ['office:', 'azure:AzureCloud.westeurope', 'AzureCloud']);
    const removed = await admin('PATCH', '/v1/profile', { remove: ['AzureCloud'] });
    assert.equal(removed.status, 200, removed.text);

    // The CLI against the running gateway.
    const tokenFile = join(fx.dir, 'admin.token');
    server.routes.set('/office.txt', { body: '127.0.0.3/32\n127.0.0.4/32\n', etag: true });
    const cliSync = await runIpgate(['sources', 'sync', '--server', fx.adminUrl, '--token-file', tokenFile]);
    assert.equal(cliSync.code, 0, cliSync.stderr);
    assert.match(cliSync.stdout, /^office: updated\n {2}office:\* {2}\+1 -0\n {2}office: {2}\+1 -0\nazure: not-modified\n$/);
    assert.equal((await curlFrom('127.0.0.4', fx.port(), { cacert })).code, 0);
    const cliShow = await runIpgate(['sources', 'show', '--server', fx.adminUrl, '--token-file', tokenFile]);
    assert.equal(cliShow.code, 0, cliShow.stderr);
    assert.match(cliShow.stdout, /^office\s+text\s+2\s+current\s/m);
    assert.match(cliShow.stdout, /azure:AzureCloud\.westeurope\s+azure\s+\d+/);
    const json = await runIpgate(['sources', 'show', '--server', fx.adminUrl, '--token-file', tokenFile, '--output', 'json']);
    assert.equal((JSON.parse(json.stdout) as { sources: SourceView[] }).sources.length, 2);
  } finally {
    await fx.close();
    await server.close();
  }
});

test('first start without data for a referenced source refuses everyone and says why, until the data arrives', async () => {
  const server = await startFixtureServer();
  server.routes.set('/office.txt', { body: '', status: 500 });
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    sources: [{ name: 'office', type: 'text', url: `${server.base}/office.txt` }],
    sourceFetch: { timeoutMs: 400, retries: 0, backoffMs: 10 },
    profile: { authorizedIpRanges: ['office:'], egressIpRanges: [] },
  }));
  const cacert = fx.upstream.cert;
  try {
    const why = fx.ipgate.logs().find((l) => l['event'] === 'sources-not-ready');
    assert.ok(why !== undefined, fx.ipgate.stderr());
    assert.match(JSON.stringify(why['problems']), /source \\"office\\" has no data yet/);
    assert.notEqual((await curlFrom('127.0.0.2', fx.port(), { cacert })).code, 0);
    const explained = (await adminRequest(fx.adminUrl, 'GET', '/v1/explain?ip=127.0.0.2', { token: fx.token })).json as Record<string, unknown>;
    assert.equal(explained['allowed'], false);

    // An admin edit cannot be enforced either: refused, nothing stored.
    const put = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile', { token: fx.token, body: { authorizedIpRanges: ['office:', '127.0.0.5/32'] } });
    assert.equal(put.status, 400, put.text);
    assert.match(put.text, /ERR_SOURCE_UNAVAILABLE/);

    server.routes.set('/office.txt', { body: '127.0.0.2/32\n' });
    const r = await adminRequest(fx.adminUrl, 'POST', '/v1/sources/sync', { token: fx.token });
    assert.equal(r.status, 200, r.text);
    assert.equal((await curlFrom('127.0.0.2', fx.port(), { cacert })).code, 0);
  } finally {
    await fx.close();
    await server.close();
  }
});
