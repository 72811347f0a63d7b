/**
 * The Kubernetes objects discovery needs, read from the API's JSON (Node, Service) and kept as a small
 * snapshot: per node its name, labels and addresses; per Service its namespace, name, labels, type and
 * load-balancer ingress IPs. The snapshot's text (sorted, canonical JSON) is what the source cache keeps and
 * what a change is detected on, so a node heartbeat (which changes nothing here) changes nothing. Pure.
 */
import { IpgateError } from '../errors.js';

export interface NodeAddress {
  readonly type: string;
  readonly address: string;
}

export interface KubeNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly addresses: readonly NodeAddress[];
}

export interface KubeService {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly type: string;
  /** `status.loadBalancer.ingress[].ip` (ingresses with only a hostname have no address to admit). */
  readonly ingress: readonly string[];
}

export interface KubeSnapshot {
  readonly nodes: readonly KubeNode[];
  readonly services: readonly KubeService[];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function bad(what: string, detail: string): IpgateError {
  return new IpgateError('ERR_SOURCE_PARSE', `${what} is not a Kubernetes object of the expected shape: ${detail}`, { input: what });
}

function labelsOf(metadata: Record<string, unknown>, what: string): Record<string, string> {
  const labels = metadata['labels'];
  if (labels === undefined || labels === null) return {};
  const r = record(labels);
  if (r === undefined) throw bad(what, 'metadata.labels is not a map');
  const out: Record<string, string> = {};
  for (const key of Object.keys(r).sort()) {
    const v = r[key];
    if (typeof v !== 'string') throw bad(what, `label ${key} is not a string`);
    out[key] = v;
  }
  return out;
}

function metadataOf(object: unknown, what: string): { metadata: Record<string, unknown>; name: string } {
  const metadata = record(record(object)?.['metadata']);
  const name = metadata?.['name'];
  if (metadata === undefined || typeof name !== 'string' || name === '') throw bad(what, 'metadata.name is missing');
  return { metadata, name };
}

/** A Node object (as a list item or a watch event's object). */
export function nodeOf(object: unknown): KubeNode {
  const { metadata, name } = metadataOf(object, 'a Node');
  const what = `Node ${name}`;
  const list = record(record(object)?.['status'])?.['addresses'];
  const addresses: NodeAddress[] = [];
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) throw bad(what, 'status.addresses is not a list');
    for (const item of list) {
      const r = record(item);
      const type = r?.['type'];
      const address = r?.['address'];
      if (typeof type !== 'string' || typeof address !== 'string') throw bad(what, 'an entry of status.addresses has no type or address');
      addresses.push({ type, address });
    }
  }
  return { name, labels: labelsOf(metadata, what), addresses };
}

/** A Service object. */
export function serviceOf(object: unknown): KubeService {
  const { metadata, name } = metadataOf(object, 'a Service');
  const namespace = metadata['namespace'];
  if (typeof namespace !== 'string' || namespace === '') throw bad(`Service ${name}`, 'metadata.namespace is missing');
  const what = `Service ${namespace}/${name}`;
  const type = record(record(object)?.['spec'])?.['type'];
  const list = record(record(record(object)?.['status'])?.['loadBalancer'])?.['ingress'];
  const ingress: string[] = [];
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) throw bad(what, 'status.loadBalancer.ingress is not a list');
    for (const item of list) {
      const ip = record(item)?.['ip'];
      if (typeof ip === 'string' && ip !== '') ingress.push(ip);
    }
  }
  return { namespace, name, labels: labelsOf(metadata, what), type: typeof type === 'string' ? type : 'ClusterIP', ingress };
}

/** The key objects are kept under: a node's name, a Service's `namespace/name`. */
export function nodeKey(node: KubeNode): string {
  return node.name;
}

export function serviceKey(service: KubeService): string {
  return `${service.namespace}/${service.name}`;
}

function byKey<T>(items: Iterable<T>, key: (t: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The snapshot as canonical text: sorted objects, fixed key order; equal snapshots give equal text. */
export function snapshotText(nodes: Iterable<KubeNode>, services: Iterable<KubeService>): string {
  const snapshot: KubeSnapshot = {
    nodes: byKey(nodes, nodeKey).map((n) => ({ name: n.name, labels: n.labels, addresses: n.addresses.map((a) => ({ type: a.type, address: a.address })) })),
    services: byKey(services, serviceKey).map((s) => ({ namespace: s.namespace, name: s.name, labels: s.labels, type: s.type, ingress: [...s.ingress] })),
  };
  return `${JSON.stringify(snapshot, null, 1)}\n`;
}

/** Reads snapshot text back (the source cache). Throws ERR_SOURCE_PARSE on anything else. */
export function parseSnapshotText(text: string): KubeSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new IpgateError('ERR_SOURCE_PARSE', `Kubernetes discovery data is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const r = record(value);
  if (r === undefined || !Array.isArray(r['nodes']) || !Array.isArray(r['services'])) {
    throw new IpgateError('ERR_SOURCE_PARSE', 'Kubernetes discovery data has no "nodes" and "services" lists');
  }
  const nodes = r['nodes'].map((n: unknown) => nodeOf({ metadata: { name: record(n)?.['name'], labels: record(n)?.['labels'] }, status: { addresses: record(n)?.['addresses'] } }));
  const services = r['services'].map((s: unknown) => {
    const o = record(s);
    return serviceOf({
      metadata: { name: o?.['name'], namespace: o?.['namespace'], labels: o?.['labels'] },
      spec: { type: o?.['type'] },
      status: { loadBalancer: { ingress: Array.isArray(o?.['ingress']) ? (o['ingress'] as unknown[]).map((ip) => ({ ip })) : [] } },
    });
  });
  return { nodes, services };
}
