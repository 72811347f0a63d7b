import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminApi, type AdminRequest } from '../src/admin/handler.js';
import { ProfileState } from '../src/runtime/profile-state.js';
import { MemoryStore } from '../src/store/memory-store.js';

const TOKEN = 'x'.repeat(32);

function api(): { api: AdminApi; store: MemoryStore } {
  const store = new MemoryStore({ authorizedIpRanges: ['10.0.0.0/8'], egressIpRanges: [] });
  const state = new ProfileState(store.get());
  return { store, api: new AdminApi({ store, state, token: TOKEN, metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }), ready: () => true }) };
}

function req(method: string, path: string, body = ''): AdminRequest {
  return { method, path, query: new URLSearchParams(), authorization: `Bearer ${TOKEN}`, body, remoteAddress: '10.1.1.1' };
}

test('without sources, references are refused with a message that says so; /v1/sources is empty', async () => {
  const { api: a, store } = api();
  const before = store.get().revision;
  for (const r of [
    req('PATCH', '/v1/profile', JSON.stringify({ add: ['azure:AzureCloud.westeurope'] })),
    req('PUT', '/v1/profile', JSON.stringify({ authorizedIpRanges: ['10.0.0.0/8', 'github:actions'] })),
  ]) {
    const res = await a.handle(r);
    assert.equal(res.status, 400, res.body);
    const body = JSON.parse(res.body) as { code: string; errors: Array<{ code: string; message: string }> };
    assert.equal(body.code, 'ERR_PROFILE_INVALID');
    assert.equal(body.errors[0]?.code, 'ERR_SOURCE_UNKNOWN');
    assert.match(body.errors[0]?.message ?? '', /no sources are configured/);
  }
  assert.equal(store.get().revision, before);
  const tag = await a.handle(req('PATCH', '/v1/profile', JSON.stringify({ add: ['AzureCloud'] })));
  assert.equal(tag.status, 400);
  assert.equal(store.get().revision, before);
  const sources = await a.handle(req('GET', '/v1/sources'));
  assert.deepEqual(JSON.parse(sources.body), { sources: [] });
  const sync = await a.handle(req('POST', '/v1/sources/sync'));
  assert.deepEqual(JSON.parse(sync.body), { reports: [], sources: [] });
  assert.equal((await a.handle(req('PUT', '/v1/sources/sync'))).status, 405);
});

test('config: sources are part of the main config; references must name a configured source', async () => {
  const { parseConfigText } = await import('../src/config/load.js');
  const base = 'upstream: 10.0.0.4:443\nlisteners: [{ name: public, address: "127.0.0.1:0" }]\n';
  const ok = parseConfigText(`${base}profile: { authorizedIpRanges: ["office:", "AzureCloud"] }\nsources:\n  - { name: office, type: text, file: ./office.txt }\n  - { name: azure, type: azure-service-tags, url: "https://example.org/tags.json" }\n`, 'ipgate.yaml', '/etc/ipgate');
  assert.equal(ok.sources?.[0]?.file, '/etc/ipgate/office.txt');
  assert.equal(ok.sourcesCacheDir, '/etc/ipgate/.ipgate-cache/sources');
  assert.throws(() => parseConfigText(`${base}profile: { authorizedIpRanges: ["ofice:"] }\nsources:\n  - { name: office, type: text, file: ./office.txt }\n`, 'ipgate.yaml', '/etc'),
    /profile\.authorizedIpRanges\[0\].*no source named "ofice".*did you mean "office"/s);
  assert.throws(() => parseConfigText(`${base}profile: { authorizedIpRanges: ["office:"] }\n`, 'ipgate.yaml', '/etc'), /no sources are configured/);
  assert.throws(() => parseConfigText(`${base}profile: { authorizedIpRanges: ["10.0.0.0/8"] }\nsources:\n  - { name: office, type: text, file: ./o.txt, refesh: 1h }\n`, 'ipgate.yaml', '/etc'),
    /sources\[0\]\.refesh.*did you mean "refresh"/s);
});
