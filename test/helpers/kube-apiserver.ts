/**
 * A local HTTPS stand-in for the Kubernetes API server, for the node and service discovery tests: the
 * discovery documents kubectl reads (/api, /apis, /api/v1), NodeList and ServiceList in the real shapes
 * (with `limit`/`continue` paging), watch streams (newline-delimited events from a resourceVersion, BOOKMARK
 * events, `timeoutSeconds`, and the 410 "Expired" ERROR event for a compacted resourceVersion), bearer-token
 * authentication (401 Status otherwise) and, optionally, client certificates signed by a test CA.
 * Tests change the cluster (nodes, services), cut watches, compact the history, fail requests or take the
 * server away and bring it back on the same port. Checked against the real kubectl in kube-discovery tests.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };

export interface NodeSpec {
  readonly name: string;
  readonly externalIp?: string | readonly string[];
  readonly internalIp?: string | readonly string[];
  readonly labels?: Record<string, string>;
}

export interface ServiceSpec {
  readonly namespace?: string;
  readonly name: string;
  readonly type?: 'ClusterIP' | 'LoadBalancer' | 'NodePort';
  readonly ingress?: ReadonlyArray<{ ip?: string; hostname?: string }>;
  readonly labels?: Record<string, string>;
}

type Resource = 'nodes' | 'services';

interface WatchEvent {
  readonly rv: number;
  readonly resource: Resource;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
}

interface Watcher {
  readonly resource: Resource;
  readonly response: ServerResponse;
  readonly bookmarks: boolean;
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly status: number;
  readonly user: string | undefined;
}

export interface TestCerts {
  /** The server certificate (self-signed, SAN 127.0.0.1): the CA clients trust. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** A CA and a client certificate it signed (CN=ipgate-discovery), for client-certificate authentication. */
  readonly clientCa: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** Creates the stand-in's certificates in `dir` with openssl. */
export async function makeTestCerts(dir: string): Promise<TestCerts> {
  const f = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=kube-apiserver-standin',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', f('server.key'), '-out', f('server.crt')]);
  await run('openssl', ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=standin-client-ca', '-keyout', f('client-ca.key'), '-out', f('client-ca.crt')]);
  await run('openssl', ['req', ...ec, '-subj', '/CN=ipgate-discovery/O=ipgate', '-keyout', f('client.key'), '-out', f('client.csr')]);
  await run('openssl', ['x509', '-req', '-in', f('client.csr'), '-CA', f('client-ca.crt'), '-CAkey', f('client-ca.key'),
    '-CAcreateserial', '-days', '2', '-out', f('client.crt')]);
  return { serverCert: f('server.crt'), serverKey: f('server.key'), clientCa: f('client-ca.crt'), clientCert: f('client.crt'), clientKey: f('client.key') };
}

function status(code: number, reason: string, message: string): KubeObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function asList(value: string | readonly string[] | undefined): readonly string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : value;
}

const DISCOVERY_V1 = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['get', 'list', 'watch'], shortNames: ['no'] },
    { name: 'services', singularName: 'service', namespaced: true, kind: 'Service', verbs: ['get', 'list', 'watch'], shortNames: ['svc'], categories: ['all'] },
  ],
};

export class KubeApiStandIn {
  readonly requests: RequestRecord[] = [];
  /** Largest page a list returns (a client's smaller `limit` wins). */
  pageSize = 500;
  /** Answer list requests with this status (e.g. 500, 403) while set. */
  failLists: number | undefined;
  /** Answer watch requests with this status while set. */
  failWatches: number | undefined;
  /** Watches answered 410 Expired (their resourceVersion was compacted away). */
  expiredAnswers = 0;
  private rv = 100;
  private readonly objects: Record<Resource, Map<string, KubeObject>> = { nodes: new Map(), services: new Map() };
  private history: WatchEvent[] = [];
  /** Events older than this resourceVersion are gone: a watch from before it gets 410 Expired. */
  private compactedAt = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private portNumber = 0;

  private constructor(private readonly certs: TestCerts, private readonly tokens: ReadonlyMap<string, string>) {}

  /** Starts on 127.0.0.1 (ephemeral port). `tokens`: bearer token -> user name. */
  static async start(certs: TestCerts, tokens: Record<string, string>): Promise<KubeApiStandIn> {
    const api = new KubeApiStandIn(certs, new Map(Object.entries(tokens)));
    await api.listen(0);
    return api;
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `https://127.0.0.1:${this.portNumber}`;
  }

  /** The objects as the server holds them (what a list returns), sorted by key. */
  items(resource: Resource): KubeObject[] {
    return [...this.objects[resource].entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Adds or replaces a node (ADDED or MODIFIED for watchers). */
  setNode(spec: NodeSpec): void {
    const addresses = [
      ...asList(spec.internalIp).map((address) => ({ type: 'InternalIP', address })),
      { type: 'Hostname', address: spec.name },
      ...asList(spec.externalIp).map((address) => ({ type: 'ExternalIP', address })),
    ];
    const existing = this.objects.nodes.get(spec.name);
    const node: KubeObject = {
      metadata: {
        name: spec.name,
        uid: (existing?.metadata['uid'] as string | undefined) ?? `0d8f6a3e-1c2b-4f5e-9a7d-${String(this.rv).padStart(12, '0')}`,
        resourceVersion: '',
        creationTimestamp: '2025-01-06T09:14:03Z',
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': spec.name,
          'kubernetes.io/os': 'linux',
          ...spec.labels,
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      },
      spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'], providerID: `standin://${spec.name}` },
      status: {
        addresses,
        allocatable: { cpu: '2', 'ephemeral-storage': '28447885077', memory: '3926360Ki', pods: '110' },
        capacity: { cpu: '2', 'ephemeral-storage': '30866412Ki', memory: '4028760Ki', pods: '110' },
        conditions: [{
          type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status',
          lastHeartbeatTime: '2025-01-06T09:20:11Z', lastTransitionTime: '2025-01-06T09:14:25Z',
        }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          architecture: 'amd64', bootID: 'b1', containerRuntimeVersion: 'containerd://1.7.22', kernelVersion: '6.1.0-27-amd64',
          kubeProxyVersion: 'v1.31.2', kubeletVersion: 'v1.31.2', machineID: 'm1', operatingSystem: 'linux',
          osImage: 'Debian GNU/Linux 12 (bookworm)', systemUUID: 's1',
        },
      },
    };
    this.change('nodes', spec.name, existing === undefined ? 'ADDED' : 'MODIFIED', node);
  }

  /** Stores an object as given (to serve data a client must refuse). */
  setRawNode(name: string, object: KubeObject): void {
    this.change('nodes', name, this.objects.nodes.has(name) ? 'MODIFIED' : 'ADDED', object);
  }

  /** A heartbeat-like change: the node's status changes, its addresses do not. */
  touchNode(name: string): void {
    const node = this.objects.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    const copy = structuredClone(node);
    const st = copy['status'] as { conditions: Array<Record<string, string>> };
    const first = st.conditions[0];
    if (first !== undefined) first['lastHeartbeatTime'] = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    this.change('nodes', name, 'MODIFIED', copy);
  }

  removeNode(name: string): void {
    const node = this.objects.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    this.change('nodes', name, 'DELETED', node);
  }

  setService(spec: ServiceSpec): void {
    const namespace = spec.namespace ?? 'default';
    const key = `${namespace}/${spec.name}`;
    const type = spec.type ?? 'LoadBalancer';
    const existing = this.objects.services.get(key);
    const service: KubeObject = {
      metadata: {
        name: spec.name, namespace, uid: (existing?.metadata['uid'] as string | undefined) ?? `7a1c2e4b-9f3d-4c8a-b6e1-${String(this.rv).padStart(12, '0')}`,
        resourceVersion: '', creationTimestamp: '2025-01-06T09:30:00Z', ...(spec.labels === undefined ? {} : { labels: spec.labels }),
      },
      spec: {
        type, clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 8443, ...(type === 'ClusterIP' ? {} : { nodePort: 31443 }) }],
        selector: { app: spec.name }, sessionAffinity: 'None', internalTrafficPolicy: 'Cluster',
        ...(type === 'ClusterIP' ? {} : { externalTrafficPolicy: 'Cluster' }),
        ...(type === 'LoadBalancer' ? { allocateLoadBalancerNodePorts: true } : {}),
      },
      status: { loadBalancer: type === 'LoadBalancer' && spec.ingress !== undefined ? { ingress: spec.ingress.map((i) => ({ ...i, ipMode: 'VIP' })) } : {} },
    };
    this.change('services', key, existing === undefined ? 'ADDED' : 'MODIFIED', service);
  }

  removeService(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const service = this.objects.services.get(key);
    if (service === undefined) throw new Error(`no service ${key}`);
    this.change('services', key, 'DELETED', service);
  }

  /** Forgets the event history: a watch from an older resourceVersion now gets 410 Expired. */
  compact(): void {
    this.compactedAt = this.rv + 1;
    this.history = [];
  }

  /** Ends every open watch stream (as an API server restart or a load balancer timeout would). */
  endWatches(): void {
    for (const w of this.watchers) w.response.end();
    this.watchers.clear();
  }

  /** Open watch streams, per resource. */
  watchCount(resource?: Resource): number {
    return [...this.watchers].filter((w) => resource === undefined || w.resource === resource).length;
  }

  /** Takes the server away: closes the listener and every connection. */
  async stop(): Promise<void> {
    this.endWatches();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Brings the server back on the same port. */
  async restart(): Promise<void> {
    await this.listen(this.portNumber);
  }

  /** A kubeconfig for this server: a bearer token, or the test client certificate. */
  async writeKubeconfig(path: string, auth: { token: string } | { clientCert: true }, context = 'standin'): Promise<void> {
    const ca = (await readFile(this.certs.serverCert)).toString('base64');
    const user = 'token' in auth
      ? { token: auth.token }
      : { 'client-certificate': this.certs.clientCert, 'client-key': this.certs.clientKey };
    const text = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${context}-cluster`,
      '  cluster:',
      `    server: ${this.url}`,
      `    certificate-authority-data: ${ca}`,
      'users:',
      `- name: ${context}-user`,
      '  user:',
      ...Object.entries(user).map(([k, v]) => `    ${k}: ${v}`),
      'contexts:',
      `- name: ${context}`,
      '  context:',
      `    cluster: ${context}-cluster`,
      `    user: ${context}-user`,
      `current-context: ${context}`,
      '',
    ].join('\n');
    await writeFile(path, text);
  }

  private change(resource: Resource, key: string, type: WatchEvent['type'], object: KubeObject): void {
    this.rv++;
    const stamped: KubeObject = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } };
    if (type === 'DELETED') this.objects[resource].delete(key);
    else this.objects[resource].set(key, stamped);
    const event: WatchEvent = { rv: this.rv, resource, type, object: stamped };
    this.history.push(event);
    for (const w of this.watchers) if (w.resource === resource) this.send(w, event);
  }

  private send(w: Watcher, event: WatchEvent): void {
    const kind = event.resource === 'nodes' ? 'Node' : 'Service';
    w.response.write(`${JSON.stringify({ type: event.type, object: { kind, apiVersion: 'v1', ...event.object } })}\n`);
  }

  private async listen(port: number): Promise<void> {
    const [cert, key, ca] = await Promise.all([readFile(this.certs.serverCert), readFile(this.certs.serverKey), readFile(this.certs.clientCa)]);
    const server = createServer({ cert, key, ca, requestCert: true, rejectUnauthorized: false }, (req, res) => this.handle(req, res));
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.portNumber = (server.address() as AddressInfo).port;
  }

  private user(req: IncomingMessage): string | undefined {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer (\S+)$/.exec(auth);
      return m?.[1] === undefined ? undefined : this.tokens.get(m[1]);
    }
    const socket = req.socket as TLSSocket;
    if (socket.authorized) {
      const cn = socket.getPeerCertificate().subject?.CN;
      return typeof cn === 'string' ? cn : undefined;
    }
    return undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://standin');
    const query = Object.fromEntries(url.searchParams);
    const user = this.user(req);
    const reply = (code: number, body: unknown): void => {
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query, status: code, user });
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (user === undefined) return reply(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (req.method !== 'GET') return reply(405, status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
    switch (url.pathname) {
      case '/version':
        return reply(200, { major: '1', minor: '31', gitVersion: 'v1.31.2-standin', gitCommit: '0', gitTreeState: 'clean', buildDate: '2024-10-22T00:00:00Z', goVersion: 'go1.22.8', compiler: 'gc', platform: 'linux/amd64' });
      case '/api':
        return reply(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.portNumber}` }] });
      case '/apis':
        return reply(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      case '/api/v1':
        return reply(200, DISCOVERY_V1);
      case '/api/v1/nodes':
        return this.listOrWatch('nodes', url.searchParams, reply, res, req, user);
      case '/api/v1/services':
        return this.listOrWatch('services', url.searchParams, reply, res, req, user);
      default:
        return reply(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
  }

  private listOrWatch(resource: Resource, params: URLSearchParams, reply: (code: number, body: unknown) => void, res: ServerResponse, req: IncomingMessage, user: string): void {
    const watch = params.get('watch');
    if (watch === 'true' || watch === '1') {
      if (this.failWatches !== undefined) return reply(this.failWatches, status(this.failWatches, 'InternalError', 'watch refused by the test'));
      return this.watch(resource, params, res, req, user);
    }
    if (this.failLists !== undefined) return reply(this.failLists, status(this.failLists, 'InternalError', 'list refused by the test'));
    const all = this.items(resource);
    const limitText = params.get('limit');
    const limit = Math.min(this.pageSize, limitText === null || limitText === '0' ? Number.MAX_SAFE_INTEGER : Number(limitText));
    const token = params.get('continue');
    let start = 0;
    let rv = this.rv;
    if (token !== null && token !== '') {
      const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { start: number; rv: number };
      ({ start, rv } = decoded);
    }
    const page = all.slice(start, start + limit);
    const next = start + limit < all.length ? Buffer.from(JSON.stringify({ start: start + limit, rv })).toString('base64') : undefined;
    reply(200, {
      kind: resource === 'nodes' ? 'NodeList' : 'ServiceList',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(rv), ...(next === undefined ? {} : { continue: next, remainingItemCount: all.length - start - limit }) },
      items: page,
    });
  }

  private watch(resource: Resource, params: URLSearchParams, res: ServerResponse, req: IncomingMessage, user: string): void {
    const from = Number(params.get('resourceVersion') ?? '0');
    this.requests.push({ method: 'GET', path: `/api/v1/${resource}`, query: Object.fromEntries(params), status: 200, user });
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
    const bookmarks = params.get('allowWatchBookmarks') === 'true';
    const w: Watcher = { resource, response: res, bookmarks };
    if (from !== 0 && from < this.compactedAt - 1) {
      this.expiredAnswers++;
      res.write(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.compactedAt})`) })}\n`);
      res.end();
      return;
    }
    // Events after `from` (resourceVersion 0 would mean "any": the stand-in then sends the current objects as ADDED).
    if (from === 0) {
      for (const object of this.items(resource)) this.send(w, { rv: this.rv, resource, type: 'ADDED', object });
    } else {
      for (const e of this.history) if (e.resource === resource && e.rv > from) this.send(w, e);
    }
    if (bookmarks) {
      const kind = resource === 'nodes' ? 'Node' : 'Service';
      res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind, apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } } })}\n`);
    }
    this.watchers.add(w);
    const timeout = Number(params.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      this.watchers.delete(w);
    };
    req.on('close', done);
    res.on('close', done);
  }
}
