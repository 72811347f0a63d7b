/**
 * The selectors of a `kubernetes` source (the part after `<source>:` in a reference), pure:
 *
 *   nodes/ExternalIP                          every node's ExternalIP addresses
 *   nodes/InternalIP                          every node's InternalIP addresses
 *   services/LoadBalancer                     the ingress IPs of every Service of type LoadBalancer
 *   services/LoadBalancer/NAMESPACE           ... in one namespace
 *   services/LoadBalancer/NAMESPACE/NAME      ... of one Service
 *   any of them + ?KEY=VALUE[,KEY=VALUE]      only objects carrying all these labels
 *
 * Words are matched case-insensitively (`nodes/externalip`); namespaces, names and labels exactly, as
 * Kubernetes does. The grammar is checked without data, so a typo is refused before anything is fetched.
 */
import { IpgateError } from '../errors.js';
import { parseAddress } from '../cidr/parse.js';
import { BITS, compareRanges, type Range } from '../cidr/types.js';
import { formatRange } from '../cidr/format.js';
import { closeMatches, didYouMean } from '../text/suggest.js';
import type { KubeNode, KubeService, KubeSnapshot } from './kube-objects.js';

export const NODE_ADDRESS_TYPES = ['ExternalIP', 'InternalIP'] as const;
export type NodeAddressType = (typeof NODE_ADDRESS_TYPES)[number];

export type KubeSelector =
  | { readonly kind: 'nodes'; readonly addressType: NodeAddressType; readonly labels: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: 'services'; readonly namespace?: string; readonly name?: string; readonly labels: ReadonlyArray<readonly [string, string]> };

/** The selectors worth listing (and suggesting). */
export const KUBE_SELECTORS = ['nodes/ExternalIP', 'nodes/InternalIP', 'services/LoadBalancer'] as const;

const GRAMMAR = 'nodes/ExternalIP, nodes/InternalIP or services/LoadBalancer[/NAMESPACE[/NAME]], optionally followed by ?LABEL=VALUE[,LABEL=VALUE]';

function unknown(source: string, selector: string, why: string, matches: readonly string[] = []): IpgateError {
  const hint = didYouMean(matches);
  return new IpgateError('ERR_SELECTOR_UNKNOWN', `${source}:${selector}: ${why}${hint === undefined ? '' : `; ${hint}`} (a kubernetes source selects ${GRAMMAR})`, {
    input: `${source}:${selector}`,
    suggestion: `${source}:${matches[0] ?? 'nodes/ExternalIP'}`,
  });
}

function parseLabels(source: string, selector: string, text: string | undefined): Array<[string, string]> {
  if (text === undefined) return [];
  const out: Array<[string, string]> = [];
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (eq <= 0 || !/^[A-Za-z0-9._/-]+$/.test(key)) throw unknown(source, selector, `label selector part ${JSON.stringify(part)} is not KEY=VALUE`);
    out.push([key, part.slice(eq + 1)]);
  }
  return out;
}

/** Parses a selector; throws ERR_SELECTOR_UNKNOWN naming `source:selector` with the closest selector. */
export function parseKubeSelector(source: string, selector: string): KubeSelector {
  const q = selector.indexOf('?');
  const path = q < 0 ? selector : selector.slice(0, q);
  const labels = parseLabels(source, selector, q < 0 ? undefined : selector.slice(q + 1));
  const parts = path.split('/');
  const [kind, what, ...rest] = parts;
  if (kind?.toLowerCase() === 'nodes' && what !== undefined && rest.length === 0) {
    const type = NODE_ADDRESS_TYPES.find((t) => t.toLowerCase() === what.toLowerCase());
    if (type !== undefined) return { kind: 'nodes', addressType: type, labels };
    const hint = what.toLowerCase() === 'hostname' ? 'Hostname is a name, not an address' : `nodes have no address type ${JSON.stringify(what)}`;
    throw unknown(source, selector, hint, closeMatches(path, KUBE_SELECTORS.slice(0, 2)));
  }
  if (kind?.toLowerCase() === 'services' && what?.toLowerCase() === 'loadbalancer' && rest.length <= 2 && rest.every((p) => p !== '')) {
    const [namespace, name] = rest;
    return { kind: 'services', ...(namespace === undefined ? {} : { namespace }), ...(name === undefined ? {} : { name }), labels };
  }
  if (kind?.toLowerCase() === 'services' && what !== undefined && what.toLowerCase() !== 'loadbalancer') {
    throw unknown(source, selector, `only Services of type LoadBalancer have addresses outside the cluster, not ${JSON.stringify(what)}`, ['services/LoadBalancer']);
  }
  throw unknown(source, selector, 'not a selector of a kubernetes source', closeMatches(path, KUBE_SELECTORS));
}

function hasLabels(labels: Readonly<Record<string, string>>, wanted: KubeSelector['labels']): boolean {
  return wanted.every(([k, v]) => labels[k] === v);
}

/** An address as a /32 or /128 range; an address that is not an IP address is left out (never admitted). */
function hostRange(address: string): Range | undefined {
  try {
    const a = parseAddress(address);
    return { family: a.family, network: a.value, prefix: BITS[a.family] };
  } catch {
    return undefined;
  }
}

export function nodeAddresses(nodes: readonly KubeNode[], type: NodeAddressType, labels: KubeSelector['labels'] = []): Range[] {
  return nodes.filter((n) => hasLabels(n.labels, labels)).flatMap((n) => n.addresses.filter((a) => a.type === type).flatMap((a) => hostRange(a.address) ?? []));
}

export function serviceAddresses(services: readonly KubeService[], sel: Omit<Extract<KubeSelector, { kind: 'services' }>, 'kind'>): Range[] {
  return services
    .filter((s) => s.type === 'LoadBalancer' && (sel.namespace === undefined || s.namespace === sel.namespace) && (sel.name === undefined || s.name === sel.name))
    .filter((s) => hasLabels(s.labels, sel.labels))
    .flatMap((s) => s.ingress.flatMap((ip) => hostRange(ip) ?? []));
}

/** The distinct addresses a selector picks in a snapshot, sorted (may be empty: no such node right now). */
export function selectKube(snapshot: KubeSnapshot, source: string, selector: string): Range[] {
  const sel = parseKubeSelector(source, selector);
  const picked = sel.kind === 'nodes' ? nodeAddresses(snapshot.nodes, sel.addressType, sel.labels) : serviceAddresses(snapshot.services, sel);
  const seen = new Map<string, Range>();
  for (const r of picked) seen.set(formatRange(r), r);
  return [...seen.values()].sort(compareRanges);
}
