/**
 * Kubernetes discovery against a local API server stand-in (test/helpers/kube-apiserver.ts): the stand-in
 * is first checked against the real kubectl, then ipgate's client, kubeconfig/in-cluster reading, the
 * list-and-watch loop (410 re-list, outages), the selector grammar and where discovery references may stand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatRange } from '../src/cidr/format.js';
import { IpgateError } from '../src/errors.js';
import { KubeClient } from '../src/sources/kube-client.js';
import { inClusterSpec, kubeconfigSpec, loadConnection } from '../src/sources/kube-config.js';
import { parseSnapshotText } from '../src/sources/kube-objects.js';
import { parseKubeSelector, selectKube } from '../src/sources/kube-select.js';
import { KubeDiscovery } from '../src/sources/kube-watch.js';
import { referenceCheck } from '../src/sources/profile-check.js';
import { expandProfile } from '../src/sources/expand.js';
import { parseSource } from '../src/sources/parse.js';
import { sourcesSchema } from '../src/sources/schema.js';
import { SourceSync, type SyncReport } from '../src/sources/sync.js';
import { validateProfile } from '../src/policy/validate.js';
import { KubeApiStandIn, makeTestCerts, type TestCerts } from './helpers/kube-apiserver.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

const TOKEN = 'discovery-token-7f3a';

async function withStandIn(fn: (api: KubeApiStandIn, dir: string, certs: TestCerts) => Promise<void>): Promise<void> {
  const { dir, remove } = await tempDir('ipgate-kube-');
  const certs = await makeTestCerts(dir);
  const api = await KubeApiStandIn.start(certs, { [TOKEN]: 'system:serviceaccount:ipgate:discovery' });
  try {
    await fn(api, dir, certs);
  } finally {
    await api.stop();
    await remove();
  }
}

function kubectl(args: string[], kubeconfig: string, dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', [...args, '--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'kubectl-cache'), '--request-timeout', '10s'],
      { env: { ...process.env, HOME: dir }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }));
  });
}

/** kubectl adds kind and apiVersion to each item of a list it prints; the server's list items have none. */
function withoutKind(items: unknown[]): unknown[] {
  return items.map((item) => {
    const rest = { ...(item as Record<string, unknown>) };
    delete rest['kind'];
    delete rest['apiVersion'];
    return rest;
  });
}

test('the stand-in is faithful: the real kubectl reads its nodes and services as they are held', async () => {
  await withStandIn(async (api, dir) => {
    api.setNode({ name: 'aks-system-12345678-vmss000000', internalIp: '10.224.0.4', labels: { 'kubernetes.azure.com/agentpool': 'system' } });
    api.setNode({ name: 'aks-public-12345678-vmss000000', internalIp: '10.224.0.5', externalIp: '127.0.0.5', labels: { 'kubernetes.azure.com/agentpool': 'public' } });
    api.setService({ namespace: 'ingress-nginx', name: 'ingress-nginx-controller', ingress: [{ ip: '127.0.0.7' }] });
    api.setService({ namespace: 'default', name: 'kubernetes', type: 'ClusterIP' });
    const kc = join(dir, 'kubeconfig');
    await api.writeKubeconfig(kc, { token: TOKEN });
    const nodes = await kubectl(['get', 'nodes', '-o', 'json'], kc, dir);
    assert.equal(nodes.code, 0, nodes.stderr);
    const nodeList = JSON.parse(nodes.stdout) as { kind: string; items: Array<Record<string, unknown>> };
    assert.equal(nodeList.kind, 'List');
    assert.deepEqual(nodeList.items.map((i) => i['kind']), ['Node', 'Node']);
    assert.deepEqual(withoutKind(nodeList.items), api.items('nodes'));
    const services = await kubectl(['get', 'services', '-A', '-o', 'json'], kc, dir);
    assert.equal(services.code, 0, services.stderr);
    assert.deepEqual(withoutKind((JSON.parse(services.stdout) as { items: unknown[] }).items), api.items('services'));
    // kubectl used the collections ipgate reads, with the bearer token.
    const lists = api.requests.filter((r) => r.path === '/api/v1/nodes' || r.path === '/api/v1/services');
    assert.ok(lists.length >= 2 && lists.every((r) => r.status === 200 && r.user === 'system:serviceaccount:ipgate:discovery'));
    // A wrong token is refused, by kubectl's account too.
    await api.writeKubeconfig(kc, { token: 'wrong' });
    const refused = await kubectl(['get', 'nodes', '-o', 'json'], kc, dir);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Unauthorized|must be logged in/i);
  });
});

test('the stand-in is faithful: the real kubectl watches it (a list, then a watch from its resourceVersion) and sees the addresses ipgate discovers', async () => {
  await withStandIn(async (api, dir) => {
    api.setNode({ name: 'n1', internalIp: '10.224.0.4', externalIp: '127.0.0.5' });
    api.setNode({ name: 'n2', internalIp: '10.224.0.5' });
    api.setService({ namespace: 'ingress-nginx', name: 'ingress-nginx-controller', ingress: [{ ip: '127.0.0.7' }] });
    const kc = join(dir, 'kubeconfig');
    await api.writeKubeconfig(kc, { token: TOKEN });
    // kubectl's own reading of the addresses, next to ipgate's selection from the same server.
    const external = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].status.addresses[?(@.type=="ExternalIP")].address}'], kc, dir);
    const internal = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].status.addresses[?(@.type=="InternalIP")].address}'], kc, dir);
    const ingress = await kubectl(['get', 'services', '-A', '-o', 'jsonpath={.items[?(@.spec.type=="LoadBalancer")].status.loadBalancer.ingress[*].ip}'], kc, dir);
    const discovery = new KubeDiscovery({ connect: async () => loadConnection(kubeconfigSpec(await readFile(kc, 'utf8'), kc)) });
    const snapshot = parseSnapshotText(await discovery.list());
    const ours = (selector: string): string => selectKube(snapshot, 'k8s', selector).map((r) => formatRange(r).replace(/\/32$/, '')).join(' ');
    assert.equal(external.stdout, ours('nodes/ExternalIP'));
    assert.equal(internal.stdout, ours('nodes/InternalIP'));
    assert.equal(ingress.stdout, ours('services/LoadBalancer'));

    // kubectl --watch: the list, then the changes made after it, each once, in order.
    const watcher = spawn('kubectl', ['get', 'nodes', '--watch', '--output-watch-events', '-o', 'jsonpath={.type} {.object.metadata.name}{"\\n"}',
      '--kubeconfig', kc, '--cache-dir', join(dir, 'kubectl-cache')], { env: { ...process.env, HOME: dir } });
    let seen = '';
    watcher.stdout.on('data', (chunk: Buffer) => { seen += chunk.toString('utf8'); });
    watcher.stderr.on('data', (chunk: Buffer) => { seen += `stderr: ${chunk.toString('utf8')}`; });
    try {
      await waitFor(() => api.watchCount('nodes') === 1, 20_000, 'kubectl watching');
      const watchRequest = api.requests.filter((r) => r.path === '/api/v1/nodes').at(-1);
      const listRequest = api.requests.filter((r) => r.path === '/api/v1/nodes' && r.query['watch'] === undefined).at(-1);
      assert.ok(watchRequest?.query['watch'] === 'true' && listRequest !== undefined, 'kubectl lists, then watches');
      assert.equal(watchRequest.query['resourceVersion'], api.resourceVersion, 'from the resourceVersion of its list');
      api.setNode({ name: 'n3', externalIp: '127.0.0.6' });
      api.setNode({ name: 'n1', internalIp: '10.224.0.4' });
      api.removeNode('n2');
      await waitFor(() => seen.split('\n').length >= 6, 10_000, 'kubectl printed the events');
      assert.deepEqual(seen.trim().split('\n'), ['ADDED n1', 'ADDED n2', 'ADDED n3', 'MODIFIED n1', 'DELETED n2']);
    } finally {
      watcher.kill();
    }
  });
});

test('client: paged lists, bearer token and client certificate from a kubeconfig, in-cluster service account', async () => {
  await withStandIn(async (api, dir, certs) => {
    for (let i = 0; i < 5; i++) api.setNode({ name: `node-${i}`, externalIp: `127.0.0.${10 + i}` });
    api.pageSize = 2;
    const kc = join(dir, 'kubeconfig');
    await api.writeKubeconfig(kc, { token: TOKEN });
    const client = new KubeClient(await loadConnection(kubeconfigSpec(await readFile(kc, 'utf8'), kc)));
    const listed = await client.list('/api/v1/nodes', new AbortController().signal);
    assert.equal(listed.items.length, 5);
    assert.equal(listed.resourceVersion, api.resourceVersion);
    assert.equal(api.requests.filter((r) => r.path === '/api/v1/nodes').length, 3, 'three pages');
    assert.ok(api.requests.some((r) => r.query['continue'] !== undefined));

    // A client certificate (relative file names in the kubeconfig resolve against its directory).
    const certKc = join(dir, 'cert.kubeconfig');
    await api.writeKubeconfig(certKc, { clientCert: true });
    const certClient = new KubeClient(await loadConnection(kubeconfigSpec(await readFile(certKc, 'utf8'), certKc)));
    assert.equal((await certClient.list('/api/v1/nodes', new AbortController().signal)).items.length, 5);
    assert.equal(api.requests.at(-1)?.user, 'ipgate-discovery');

    // In-cluster: the service account directory and the KUBERNETES_SERVICE_* environment.
    const sa = join(dir, 'serviceaccount');
    await mkdir(sa);
    await writeFile(join(sa, 'token'), `${TOKEN}\n`);
    await copyFile(certs.serverCert, join(sa, 'ca.crt'));
    await writeFile(join(sa, 'namespace'), 'ipgate\n');
    const spec = inClusterSpec({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) }, sa);
    const inCluster = new KubeClient(await loadConnection(spec));
    assert.equal((await inCluster.list('/api/v1/services', new AbortController().signal)).items.length, 0);
    assert.throws(() => inClusterSpec({}, sa), (e: unknown) => e instanceof IpgateError && e.code === 'ERR_KUBECONFIG_INVALID' && /not running in a pod/.test(e.message));

    // A refused token: ERR_SOURCE_FETCH naming the server and the status, with the fix.
    const bad = new KubeClient(await loadConnection({ server: api.url, caFile: certs.serverCert, token: 'nope', insecureSkipTlsVerify: false, origin: 'test' }));
    await assert.rejects(bad.list('/api/v1/nodes', new AbortController().signal), (e: unknown) =>
      e instanceof IpgateError && e.code === 'ERR_SOURCE_FETCH' && /answered 401/.test(e.message) && /token/.test(e.suggestion ?? ''));
    // The server's certificate is verified: without the CA the connection is refused.
    const noCa = new KubeClient(await loadConnection({ server: api.url, token: TOKEN, insecureSkipTlsVerify: false, origin: 'test' }));
    await assert.rejects(noCa.list('/api/v1/nodes', new AbortController().signal), (e: unknown) => e instanceof IpgateError && e.code === 'ERR_SOURCE_FETCH');
  });
});

test('kubeconfig: current or named context, credential plugins refused, missing parts named', () => {
  const base = (user: string): string => `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: { server: 'https://127.0.0.1:6443', certificate-authority: ca.crt }
- name: c2
  cluster: { server: 'https://10.0.0.1:443', insecure-skip-tls-verify: true }
users:
- name: u1
  user: ${user}
contexts:
- { name: one, context: { cluster: c1, user: u1 } }
- { name: two, context: { cluster: c2, user: u1 } }
current-context: one
`;
  const spec = kubeconfigSpec(base('{ tokenFile: ./token }'), '/etc/ipgate/kc');
  assert.equal(spec.server, 'https://127.0.0.1:6443');
  assert.equal(spec.caFile, '/etc/ipgate/ca.crt');
  assert.equal(spec.tokenFile, '/etc/ipgate/token');
  assert.equal(spec.origin, 'kubeconfig /etc/ipgate/kc (context one)');
  const two = kubeconfigSpec(base('{ token: abc }'), '/etc/ipgate/kc', 'two');
  assert.equal(two.server, 'https://10.0.0.1:443');
  assert.equal(two.insecureSkipTlsVerify, true);
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (error) {
      return error instanceof IpgateError ? `${error.code}: ${error.message}` : String(error);
    }
  };
  assert.match(code(() => kubeconfigSpec(base('{ exec: { command: kubelogin } }'), '/kc')) ?? '', /ERR_KUBECONFIG_INVALID: .*authenticates with exec/);
  assert.match(code(() => kubeconfigSpec(base('{ token: abc }'), '/kc', 'three')) ?? '', /no context named "three" \(it has: one, two\)/);
  assert.match(code(() => kubeconfigSpec(base('{ token: abc }').replace('current-context: one', ''), '/kc')) ?? '', /no current-context/);
  assert.match(code(() => kubeconfigSpec('clusters: [', '/kc')) ?? '', /not valid YAML/);
});

test('selectors: grammar, typos refused with the closest selector, labels and namespaces', () => {
  assert.deepEqual(parseKubeSelector('k8s', 'nodes/ExternalIP'), { kind: 'nodes', addressType: 'ExternalIP', labels: [] });
  assert.deepEqual(parseKubeSelector('k8s', 'nodes/internalip?kubernetes.azure.com/agentpool=public'),
    { kind: 'nodes', addressType: 'InternalIP', labels: [['kubernetes.azure.com/agentpool', 'public']] });
  assert.deepEqual(parseKubeSelector('k8s', 'services/LoadBalancer/ingress/nginx'), { kind: 'services', namespace: 'ingress', name: 'nginx', labels: [] });
  const refused = (selector: string): IpgateError => {
    try {
      parseKubeSelector('k8s', selector);
    } catch (error) {
      if (error instanceof IpgateError) return error;
    }
    throw new Error(`${selector} was accepted`);
  };
  assert.equal(refused('nodes/ExternalIp2').code, 'ERR_SELECTOR_UNKNOWN');
  assert.equal(refused('nodes/ExternIP').suggestion, 'k8s:nodes/ExternalIP');
  assert.match(refused('nodes/Hostname').message, /Hostname is a name, not an address/);
  assert.match(refused('services/ClusterIP').message, /only Services of type LoadBalancer/);
  assert.match(refused('pods/PodIP').message, /not a selector of a kubernetes source/);
  assert.match(refused('nodes/ExternalIP?nolabel').message, /not KEY=VALUE/);

  const snapshot = parseSnapshotText(JSON.stringify({
    nodes: [
      { name: 'a', labels: { pool: 'public' }, addresses: [{ type: 'ExternalIP', address: '20.1.2.3' }, { type: 'InternalIP', address: '10.0.0.4' }, { type: 'Hostname', address: 'a' }] },
      { name: 'b', labels: { pool: 'system' }, addresses: [{ type: 'ExternalIP', address: '2001:db8::7' }, { type: 'ExternalIP', address: 'not-an-ip' }] },
    ],
    services: [
      { namespace: 'ingress', name: 'lb', labels: {}, type: 'LoadBalancer', ingress: ['20.9.9.9'] },
      { namespace: 'other', name: 'lb', labels: { egress: 'yes' }, type: 'LoadBalancer', ingress: ['20.9.9.10'] },
      { namespace: 'other', name: 'cip', labels: {}, type: 'ClusterIP', ingress: [] },
    ],
  }));
  const pick = (selector: string): string[] => selectKube(snapshot, 'k8s', selector).map(formatRange);
  assert.deepEqual(pick('nodes/ExternalIP'), ['20.1.2.3/32', '2001:db8::7/128']);
  assert.deepEqual(pick('nodes/ExternalIP?pool=public'), ['20.1.2.3/32']);
  assert.deepEqual(pick('nodes/InternalIP'), ['10.0.0.4/32']);
  assert.deepEqual(pick('services/LoadBalancer'), ['20.9.9.9/32', '20.9.9.10/32']);
  assert.deepEqual(pick('services/LoadBalancer/other'), ['20.9.9.10/32']);
  assert.deepEqual(pick('services/LoadBalancer?egress=yes'), ['20.9.9.10/32']);
  assert.deepEqual(pick('services/LoadBalancer/ingress/none'), []);
});

test('discovery references stand in egressIpRanges only; provider references and tags not there; tags need an azure source', () => {
  const check = referenceCheck([{ name: 'k8s', type: 'kubernetes' }, { name: 'azure', type: 'azure-service-tags' }]);
  const problems = (profile: { authorizedIpRanges: string[]; egressIpRanges: string[] }): string[] =>
    validateProfile(profile, { reference: check }).problems.map((p) => `${p.field ?? ''}[${p.index ?? ''}] ${p.code}`);
  assert.deepEqual(problems({ authorizedIpRanges: ['203.0.113.0/24', 'azure:AzureCloud', 'AzureDevOps'], egressIpRanges: ['k8s:nodes/ExternalIP', 'k8s:services/LoadBalancer', '20.50.1.7'] }), []);
  assert.deepEqual(problems({ authorizedIpRanges: ['k8s:nodes/ExternalIP'], egressIpRanges: ['azure:AzureCloud', 'AzureDevOps'] }),
    ['authorizedIpRanges[0] ERR_REFERENCE_FIELD', 'egressIpRanges[0] ERR_REFERENCE_FIELD', 'egressIpRanges[1] ERR_REFERENCE_FIELD']);
  assert.deepEqual(problems({ authorizedIpRanges: ['203.0.113.0/24'], egressIpRanges: ['k8s:nodes/Hostname'] }), ['egressIpRanges[0] ERR_SELECTOR_UNKNOWN']);
  const none = validateProfile({ authorizedIpRanges: ['AzureDevOps'], egressIpRanges: [] }, { reference: referenceCheck([]) }).problems;
  assert.equal(none[0]?.code, 'ERR_SERVICE_TAG_NO_SOURCE');
  assert.match(none[0]?.message ?? '', /^AzureDevOps looks like an Azure service tag, not an IP address or range; this gateway has no range sources/);
  assert.match(none[0]?.suggestion ?? '', /type: azure-service-tags/);
});

test('config: a kubernetes source takes kubeconfig (and context) or inCluster, nothing of a file source', () => {
  const ok = sourcesSchema.safeParse([{ name: 'k8s', type: 'kubernetes', kubeconfig: './kc', context: 'prod' }, { name: 'pod', type: 'kubernetes', inCluster: true }]);
  assert.ok(ok.success);
  const messages = (value: unknown): string[] => {
    const r = sourcesSchema.safeParse(value);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.deepEqual(messages([{ name: 'k8s', type: 'kubernetes' }]), ['0: give exactly one of kubeconfig: FILE and inCluster: true']);
  assert.deepEqual(messages([{ name: 'k8s', type: 'kubernetes', kubeconfig: './kc', url: 'https://x/' }]), ['0.url: a kubernetes source reads the API server: give kubeconfig or inCluster: true, not url']);
  assert.deepEqual(messages([{ name: 'k8s', type: 'kubernetes', inCluster: true, context: 'x' }]), ['0.context: context applies to a kubeconfig only']);
  assert.deepEqual(messages([{ name: 'office', type: 'text', file: './o.txt', kubeconfig: './kc' }]), ['0.kubeconfig: kubeconfig applies to sources of type kubernetes only']);
});

test('watch: changes arrive at once, heartbeats change nothing, 410 re-lists, an outage keeps the last good data', async () => {
  await withStandIn(async (api, dir) => {
    api.setNode({ name: 'n1', externalIp: '127.0.0.5', internalIp: '10.1.0.4' });
    const kc = join(dir, 'kubeconfig');
    await api.writeKubeconfig(kc, { token: TOKEN });
    const sources = sourcesSchema.parse([{ name: 'k8s', type: 'kubernetes', kubeconfig: kc }]);
    const reports: SyncReport[] = [];
    const sync = new SourceSync({ sources, baseDir: dir, cacheDir: join(dir, 'cache'), kubeBackoffMs: 50, references: () => ['k8s:nodes/ExternalIP'], onSync: (r) => reports.push(r) });
    const egress = (): string[] => expandProfile({ authorizedIpRanges: ['203.0.113.0/24'], egressIpRanges: ['k8s:nodes/ExternalIP'] }, sync.catalogues()).egress.map((r) => r.cidr);
    try {
      const [first] = await sync.start();
      assert.equal(first?.outcome, 'updated');
      assert.deepEqual(egress(), ['127.0.0.5/32']);
      await waitFor(() => api.watchCount() === 2, 3000, 'both watches open');

      api.setNode({ name: 'n2', externalIp: '127.0.0.6' });
      await waitFor(() => egress().includes('127.0.0.6/32'), 3000, 'added node');
      const added = reports.at(-1);
      assert.deepEqual(added?.changes.find((c) => c.reference === 'k8s:nodes/ExternalIP'), { reference: 'k8s:nodes/ExternalIP', added: ['127.0.0.6/32'], removed: [] });

      // A heartbeat (status change without address change) reports nothing.
      const before = reports.length;
      api.touchNode('n1');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(reports.length, before);

      // The watch ends, and before it comes back a change is made and the history compacted: the
      // resourceVersion it comes back with is too old (410 Expired), so it lists again.
      const lists = (): number => api.requests.filter((r) => r.path === '/api/v1/nodes' && r.query['watch'] === undefined).length;
      const listsBefore = lists();
      api.endWatches();
      api.removeNode('n1');
      api.compact();
      await waitFor(() => !egress().includes('127.0.0.5/32'), 5000, 'removed node after re-list');
      assert.ok(api.expiredAnswers > 0, 'the watch was told 410 Expired');
      assert.ok(lists() > listsBefore, 'listed again');
      // A watch the server refuses: listed again before the next watch.
      const listsBeforeError = lists();
      api.failWatches = 503;
      api.endWatches();
      await waitFor(() => sync.status()[0]?.lastError !== undefined, 3000, 'refused watch recorded');
      api.failWatches = undefined;
      await waitFor(() => lists() > listsBeforeError && sync.status()[0]?.lastError === undefined, 5000, 'listed again after the error');

      // Outage: the last good data stays, the status says why; it recovers when the server is back.
      await api.stop();
      await waitFor(() => sync.status()[0]?.lastError !== undefined, 5000, 'failure recorded');
      assert.equal(sync.status()[0]?.lastError?.code, 'ERR_SOURCE_FETCH');
      assert.deepEqual(egress(), ['127.0.0.6/32']);
      api.setNode({ name: 'n3', externalIp: '127.0.0.8' });
      await api.restart();
      await waitFor(() => egress().includes('127.0.0.8/32'), 8000, 'change made during the outage');
      await waitFor(() => sync.status()[0]?.lastError === undefined, 3000, 'recovered');

      // The cached copy serves the next start while the API server is away.
      await api.stop();
      sync.stop();
      const again = new SourceSync({ sources, baseDir: dir, cacheDir: join(dir, 'cache'), kubeBackoffMs: 50 });
      await again.loadCache();
      const cached = parseSource('kubernetes', 'k8s', await readFile(join(dir, 'cache', 'k8s.raw'), 'utf8'));
      assert.deepEqual(cached.named.get('nodes/ExternalIP')?.map(formatRange), ['127.0.0.6/32', '127.0.0.8/32']);
      assert.deepEqual(expandProfile({ authorizedIpRanges: ['203.0.113.0/24'], egressIpRanges: ['k8s:nodes/ExternalIP'] }, again.catalogues()).egress.map((r) => r.cidr), ['127.0.0.6/32', '127.0.0.8/32']);
      again.stop();
    } finally {
      sync.stop();
    }
  });
});

test('discovery data that does not parse is refused whole; a watch that fails keeps the list', async () => {
  await withStandIn(async (api, dir) => {
    api.setNode({ name: 'n1', externalIp: '127.0.0.5' });
    const kc = join(dir, 'kubeconfig');
    await api.writeKubeconfig(kc, { token: TOKEN });
    const errors: IpgateError[] = [];
    const texts: string[] = [];
    const discovery = new KubeDiscovery({
      connect: async () => loadConnection(kubeconfigSpec(await readFile(kc, 'utf8'), kc)),
      backoffMs: 50,
      onChange: (t) => texts.push(t),
      onError: (e) => errors.push(e),
    });
    try {
      await discovery.list();
      // A node whose addresses are not a list: the list is refused whole, the last good objects stay.
      api.setRawNode('broken', { metadata: { name: 'broken' }, status: { addresses: 'oops' } });
      await assert.rejects(discovery.list(), (e: unknown) => e instanceof IpgateError && e.code === 'ERR_SOURCE_PARSE' && /Node broken/.test(e.message));
      assert.deepEqual(parseSnapshotText(discovery.text()).nodes.map((n) => n.name), ['n1']);
      api.removeNode('broken');
      api.failWatches = 500;
      discovery.watch();
      await waitFor(() => errors.length >= 2, 3000, 'watch failures');
      assert.equal(errors[0]?.code, 'ERR_SOURCE_FETCH');
      assert.match(errors[0]?.message ?? '', /answered 500/);
      assert.deepEqual(parseSnapshotText(discovery.text()).nodes.map((n) => n.name), ['n1']);
      api.failWatches = undefined;
      api.setNode({ name: 'n2', externalIp: '127.0.0.6' });
      await waitFor(() => texts.some((t) => t.includes('127.0.0.6')), 5000, 'watch resumed');
    } finally {
      discovery.stop();
    }
  });
});
