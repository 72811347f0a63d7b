/**
 * A real `ipgate serve` child whose egress ranges are discovered from Kubernetes (a local API server
 * stand-in): a node's ExternalIP and a LoadBalancer's ingress IP are admitted while they exist and refused
 * (open connections closed) once they are gone; explain names the reference; an unreachable API server
 * keeps the last good addresses; a first start without any data admits nobody until the data arrives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminRequest, curlFrom, metricValue, opensslHold } from './helpers/clients.js';
import { gatewayFixture } from './helpers/setup.js';
import { KubeApiStandIn, makeTestCerts } from './helpers/kube-apiserver.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

const TOKEN = 'gateway-discovery-token';

interface SourceView { name: string; available: boolean; lastError: { code: string } | null; references: Array<{ entry: string; prefixes?: number }> }

async function standIn(): Promise<{ api: KubeApiStandIn; kubeconfig: string; done: () => Promise<void> }> {
  const { dir, remove } = await tempDir('ipgate-kube-gw-');
  const api = await KubeApiStandIn.start(await makeTestCerts(dir), { [TOKEN]: 'system:serviceaccount:ipgate:discovery' });
  const kubeconfig = join(dir, 'discovery.kubeconfig');
  await api.writeKubeconfig(kubeconfig, { token: TOKEN });
  return { api, kubeconfig, done: async () => { await api.stop(); await remove(); } };
}

test('nodes and load balancers discovered from Kubernetes are the egress the gateway enforces, kept through outages', async () => {
  const { api, kubeconfig, done } = await standIn();
  api.setNode({ name: 'aks-system-0', internalIp: '10.224.0.4' });
  api.setNode({ name: 'aks-public-0', internalIp: '10.224.0.5', externalIp: '127.0.0.5' });
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    sources: [{ name: 'k8s', type: 'kubernetes', kubeconfig }],
    store: { file: 'state/profile.json' },
    profile: { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: ['k8s:nodes/ExternalIP', 'k8s:services/LoadBalancer'] },
  }));
  const cacert = fx.upstream.cert;
  const admin = (method: string, path: string, body?: unknown): ReturnType<typeof adminRequest> =>
    adminRequest(fx.adminUrl, method, path, { token: fx.token, ...(body === undefined ? {} : { body }) });
  const admitted = async (source: string): Promise<boolean> => (await curlFrom(source, fx.port(), { cacert, timeoutS: 3 })).code === 0;
  try {
    // The stored profile keeps the references; the node's ExternalIP is admitted, other addresses are not.
    const stored = (await admin('GET', '/v1/profile')).json as { egressIpRanges: string[] };
    assert.deepEqual(stored.egressIpRanges, ['k8s:nodes/ExternalIP', 'k8s:services/LoadBalancer']);
    assert.equal(await admitted('127.0.0.5'), true);
    assert.equal(await admitted('127.0.0.2'), true);
    assert.equal(await admitted('127.0.0.6'), false);
    const explained = await admin('GET', '/v1/explain?ip=127.0.0.5');
    assert.deepEqual(explained.json, { address: '127.0.0.5', allowed: true, reason: 'egress', matched: '127.0.0.5/32', reference: 'k8s:nodes/ExternalIP', source: 'k8s' });

    // The node goes away: its address is refused at once and its open connection is closed.
    const held = opensslHold('127.0.0.5', fx.port(), cacert);
    await waitFor(async () => metricValue((await adminRequest(fx.adminUrl, 'GET', '/metrics')).text, 'ipgate_active_connections', '{listener="public"}') === 1, 3000, 'held connection');
    api.removeNode('aks-public-0');
    await Promise.race([held.exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the connection from the removed node stayed open')), 3000))]);
    assert.equal(await admitted('127.0.0.5'), false);
    const changed = fx.ipgate.logs().find((l) => l['event'] === 'source-changed' && l['reference'] === 'k8s:nodes/ExternalIP' && (l['removed'] as string[]).includes('127.0.0.5/32'));
    assert.ok(changed !== undefined, 'source-changed logged with the removed address');

    // A new node and a LoadBalancer Service: both admitted as soon as the watch brings them.
    api.setNode({ name: 'aks-public-1', externalIp: '127.0.0.6' });
    api.setService({ namespace: 'egress', name: 'nat', ingress: [{ ip: '127.0.0.7' }] });
    await waitFor(async () => (await admitted('127.0.0.6')) && (await admitted('127.0.0.7')), 5000, 'new node and service admitted');
    const lb = (await admin('GET', '/v1/explain?ip=127.0.0.7')).json as Record<string, unknown>;
    assert.equal(lb['reference'], 'k8s:services/LoadBalancer');

    // The API server goes away: the last good addresses stay enforced, the status says what failed.
    await api.stop();
    await waitFor(async () => {
      const view = ((await admin('GET', '/v1/sources')).json as { sources: SourceView[] }).sources[0];
      return view?.lastError?.code === 'ERR_SOURCE_FETCH' && view.available;
    }, 8000, 'outage recorded');
    assert.equal(await admitted('127.0.0.6'), true);
    assert.equal(await admitted('127.0.0.7'), true);
    assert.equal(await admitted('127.0.0.5'), false);
    // It comes back with a change made meanwhile.
    api.removeService('egress', 'nat');
    await api.restart();
    await waitFor(async () => !(await admitted('127.0.0.7')), 10_000, 'service removed during the outage refused');
    assert.equal(await admitted('127.0.0.6'), true);

    // Discovery references stand in egressIpRanges only.
    const misplaced = await admin('PATCH', '/v1/profile', { add: ['k8s:nodes/ExternalIP'] });
    assert.equal(misplaced.status, 400, misplaced.text);
    const entry = (misplaced.json as { errors: Array<{ entry: string; code: string; message: string }> }).errors[0];
    assert.equal(entry?.code, 'ERR_REFERENCE_FIELD');
    assert.match(entry?.message ?? '', /belongs in egressIpRanges/);
    const typo = await admin('PATCH', '/v1/profile', { addEgress: ['k8s:nodes/ExternalIp4'] });
    assert.equal(typo.status, 400, typo.text);
    assert.match(typo.text, /ERR_SELECTOR_UNKNOWN/);
  } finally {
    await fx.close();
    await done();
  }
});

test('first start with the API server unreachable and no cache: nobody is admitted until the discovery data arrives', async () => {
  const { api, kubeconfig, done } = await standIn();
  api.setNode({ name: 'n1', externalIp: '127.0.0.5' });
  await api.stop();
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    sources: [{ name: 'k8s', type: 'kubernetes', kubeconfig }],
    profile: { authorizedIpRanges: ['127.0.0.2/32'], egressIpRanges: ['k8s:nodes/ExternalIP'] },
  }));
  const cacert = fx.upstream.cert;
  try {
    assert.notEqual((await curlFrom('127.0.0.2', fx.port(), { cacert, timeoutS: 3 })).code, 0, 'refused while the references cannot be expanded');
    const notReady = fx.ipgate.logs().find((l) => l['event'] === 'sources-not-ready');
    assert.deepEqual(notReady?.['unavailable'], ['k8s']);
    await api.restart();
    await waitFor(async () => (await curlFrom('127.0.0.5', fx.port(), { cacert, timeoutS: 3 })).code === 0, 10_000, 'node admitted once discovered');
    assert.equal((await curlFrom('127.0.0.2', fx.port(), { cacert, timeoutS: 3 })).code, 0);
  } finally {
    await fx.close();
    await done();
  }
});
