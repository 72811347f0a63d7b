/**
 * Reading and validating a topology. The shape is checked with strict zod objects (unknown keys are errors),
 * then the meaning: names unique, every network reference known, ranges valid, address spaces disjoint, the
 * access profile valid. Every problem is reported at once, each with its key path (`clients[1].via.vpn`).
 */
import { parseYaml } from '../text/yaml.js';
import { z } from 'zod';
import { IpgateError, type ErrorCode } from '../errors.js';
import { parseAddress, parseRange } from '../cidr/parse.js';
import { formatRange } from '../cidr/format.js';
import { containsAddress, rangeLast, type Range } from '../cidr/types.js';
import { validateProfile } from '../policy/validate.js';
import { TopologyError, type TopologyProblem } from './problems.js';
import { formatKeyPath as keyPath } from '../text/key-path.js';
import { closestName } from '../text/suggest.js';
import { classifySource } from './sources.js';
import type { Client, ClientVia, Network, Topology } from './topology.js';

const ranges = z.array(z.string());

const schema = z.strictObject({
  cluster: z.strictObject({
    name: z.string(),
    apiServer: z.strictObject({
      publicEndpoint: z.boolean(),
      vnetIntegration: z.strictObject({ network: z.string(), internalIp: z.string() }).optional(),
    }),
    egressIpRanges: ranges.optional(),
    authorizedIpRanges: ranges.optional(),
  }),
  networks: z.array(z.strictObject({
    name: z.string(),
    cidrs: ranges,
    egressIpRanges: ranges.optional(),
    vpnGateway: z.strictObject({
      publicIp: z.string(),
      p2sClientPool: z.string().optional(),
      s2sPrefixes: ranges.optional(),
    }).optional(),
  })).optional(),
  peerings: z.array(z.strictObject({
    from: z.string(),
    to: z.string(),
    allowGatewayTransit: z.boolean().optional(),
    useRemoteGateways: z.boolean().optional(),
  })).optional(),
  clients: z.array(z.strictObject({
    name: z.string(),
    via: z.unknown(),
    dns: z.enum(['public', 'internal']).optional(),
    sourceIpRanges: ranges.optional(),
    expect: z.enum(['reachable', 'blocked']).optional(),
  })),
});

type Raw = z.infer<typeof schema>;

/** Problems the shape check found, one per zod issue (one per unknown key). */
export function shapeProblems(value: unknown): TopologyProblem[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  const out: TopologyProblem[] = [];
  for (const issue of result.error.issues) {
    const path = keyPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const known = knownKeysAt(issue.path);
        const guess = closestName(key, known);
        out.push({
          path: path === '' ? key : `${path}.${key}`,
          code: 'ERR_TOPOLOGY_UNKNOWN_KEY',
          message: `unknown key ${JSON.stringify(key)}${known.length === 0 ? '' : ` (known keys: ${known.join(', ')})`}`,
          ...(guess === undefined ? {} : { suggestion: guess }),
        });
      }
    } else if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
      out.push({ path, code: 'ERR_TOPOLOGY_MISSING_KEY', message: `required key is missing (expected ${issue.expected})` });
    } else if (issue.code === 'invalid_value') {
      out.push({ path, code: 'ERR_TOPOLOGY_VALUE', message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` });
    } else {
      out.push({ path, code: 'ERR_TOPOLOGY_TYPE', message: issue.message.replace(/^Invalid input: /, '') });
    }
  }
  return out;
}

/** The keys a strict object at this path accepts, for "did you mean". */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let node: z.ZodType = schema;
  for (const key of path) {
    for (;;) {
      if (node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
      else break;
    }
    if (typeof key === 'number' && node instanceof z.ZodArray) node = node.element as z.ZodType;
    else if (typeof key === 'string' && node instanceof z.ZodObject) {
      const next = (node.shape as Record<string, z.ZodType | undefined>)[key];
      if (next === undefined) return [];
      node = next;
    } else return [];
  }
  while (node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
  return node instanceof z.ZodObject ? Object.keys(node.shape as object) : [];
}

// ---- loose accessors: the meaning checks run even when the shape is wrong elsewhere ----

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

/** An address space with where it was declared, for the overlap check. */
interface Space {
  readonly range: Range;
  readonly text: string;
  readonly path: string;
  readonly owner: string;
}

class Checker {
  readonly problems: TopologyProblem[] = [];
  readonly networks = new Map<string, { index: number; raw: unknown }>();

  add(path: string, code: ErrorCode, message: string, suggestion?: string): void {
    this.problems.push({ path, code, message, ...(suggestion === undefined ? {} : { suggestion }) });
  }

  /** Parses a range entry; on failure reports the parser's message and suggestion at the path. */
  range(value: unknown, path: string): Range | undefined {
    const text = str(value);
    if (text === undefined) return undefined; // the shape check reported it
    try {
      return parseRange(text);
    } catch (error) {
      if (!(error instanceof IpgateError)) throw error;
      this.add(path, error.code, error.message, error.suggestion);
      return undefined;
    }
  }

  rangeList(value: unknown, path: string): Range[] {
    const out: Range[] = [];
    list(value).forEach((entry, i) => {
      const r = this.range(entry, `${path}[${i}]`);
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  /** Reports an unknown network name with the closest known one; returns the network's raw value. */
  network(name: unknown, path: string): unknown {
    const text = str(name);
    if (text === undefined) return undefined;
    const known = this.networks.get(text);
    if (known !== undefined) return known.raw;
    const guess = closestName(text, this.networks.keys());
    const names = [...this.networks.keys()];
    this.add(path, 'ERR_TOPOLOGY_UNKNOWN_NETWORK',
      `unknown network ${JSON.stringify(text)}${names.length === 0 ? ' (no networks are declared)' : ` (declared: ${names.join(', ')})`}`, guess);
    return undefined;
  }
}

function checkNetworks(c: Checker, raw: unknown): Space[] {
  const spaces: Space[] = [];
  list(field(raw, 'networks')).forEach((net, i) => {
    const at = `networks[${i}]`;
    const name = str(field(net, 'name'));
    if (name !== undefined) {
      const first = c.networks.get(name);
      if (first !== undefined) c.add(`${at}.name`, 'ERR_TOPOLOGY_DUPLICATE_NAME', `network name ${JSON.stringify(name)} is already used by networks[${first.index}]`);
      else c.networks.set(name, { index: i, raw: net });
    }
    const owner = `network ${name ?? `#${i}`}`;
    list(field(net, 'cidrs')).forEach((cidr, j) => {
      const r = c.range(cidr, `${at}.cidrs[${j}]`);
      if (r !== undefined) spaces.push({ range: r, text: String(cidr), path: `${at}.cidrs[${j}]`, owner });
    });
    if (Array.isArray(field(net, 'cidrs')) && list(field(net, 'cidrs')).length === 0) {
      c.add(`${at}.cidrs`, 'ERR_TOPOLOGY_EMPTY', 'a network needs at least one address range');
    }
    c.rangeList(field(net, 'egressIpRanges'), `${at}.egressIpRanges`);
    const gw = field(net, 'vpnGateway');
    if (gw !== undefined) {
      const ip = str(field(gw, 'publicIp'));
      if (ip !== undefined) {
        try {
          parseAddress(ip);
        } catch (error) {
          if (!(error instanceof IpgateError)) throw error;
          c.add(`${at}.vpnGateway.publicIp`, error.code, error.message, error.suggestion);
        }
      }
      const pool = field(gw, 'p2sClientPool');
      const poolRange = pool === undefined ? undefined : c.range(pool, `${at}.vpnGateway.p2sClientPool`);
      if (poolRange !== undefined) spaces.push({ range: poolRange, text: String(pool), path: `${at}.vpnGateway.p2sClientPool`, owner: `the point-to-site pool of ${owner}` });
      list(field(gw, 's2sPrefixes')).forEach((p, j) => {
        const r = c.range(p, `${at}.vpnGateway.s2sPrefixes[${j}]`);
        if (r !== undefined) spaces.push({ range: r, text: String(p), path: `${at}.vpnGateway.s2sPrefixes[${j}]`, owner: `the site-to-site prefixes of ${owner}` });
      });
    }
  });
  return spaces;
}

function overlaps(a: Range, b: Range): boolean {
  return a.family === b.family && a.network <= rangeLast(b) && b.network <= rangeLast(a);
}

/** Rule: address spaces (network CIDRs, VPN pools, on-premises prefixes) never overlap: routing would be ambiguous. */
export function overlapProblems(spaces: readonly Space[]): TopologyProblem[] {
  const out: TopologyProblem[] = [];
  for (let i = 0; i < spaces.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = spaces[j];
      const b = spaces[i];
      if (a === undefined || b === undefined || !overlaps(a.range, b.range)) continue;
      out.push({
        path: b.path,
        code: 'ERR_TOPOLOGY_OVERLAP',
        message: `${formatRange(b.range)} (${b.owner}) overlaps ${formatRange(a.range)} (${a.owner}, ${a.path}); address spaces that are routed to each other must not overlap`,
      });
    }
  }
  return out;
}

function checkCluster(c: Checker, raw: unknown): void {
  const cluster = field(raw, 'cluster');
  const vi = field(field(cluster, 'apiServer'), 'vnetIntegration');
  if (vi !== undefined) {
    const net = c.network(field(vi, 'network'), 'cluster.apiServer.vnetIntegration.network');
    const ip = str(field(vi, 'internalIp'));
    if (ip !== undefined) {
      try {
        const address = parseAddress(ip);
        const cidrs = list(field(net, 'cidrs')).flatMap((x) => {
          try {
            return [parseRange(String(x))];
          } catch {
            return [];
          }
        });
        if (net !== undefined && cidrs.length > 0 && !cidrs.some((r) => containsAddress(r, address))) {
          c.add('cluster.apiServer.vnetIntegration.internalIp', 'ERR_TOPOLOGY_INTERNAL_IP',
            `${ip} is not inside network ${String(field(vi, 'network'))} (${cidrs.map(formatRange).join(', ')}); the internal VIP lives in the cluster network`);
        }
      } catch (error) {
        if (!(error instanceof IpgateError)) throw error;
        c.add('cluster.apiServer.vnetIntegration.internalIp', error.code, error.message, error.suggestion);
      }
    }
  }
  const authorized = list(field(cluster, 'authorizedIpRanges'));
  const egress = list(field(cluster, 'egressIpRanges'));
  if (authorized.every((x) => typeof x === 'string') && egress.every((x) => typeof x === 'string')) {
    const result = validateProfile({ authorizedIpRanges: authorized as string[], egressIpRanges: egress as string[] }, { target: 'ipgate' });
    for (const p of result.problems) {
      if (p.severity !== 'error') continue;
      c.add(p.field === undefined ? 'cluster' : `cluster.${p.field}[${p.index ?? 0}]`, p.code, p.message, p.suggestion);
    }
  }
}

function checkPeerings(c: Checker, raw: unknown): void {
  const seen = new Map<string, number>();
  list(field(raw, 'peerings')).forEach((p, i) => {
    const at = `peerings[${i}]`;
    c.network(field(p, 'from'), `${at}.from`);
    c.network(field(p, 'to'), `${at}.to`);
    const from = str(field(p, 'from'));
    const to = str(field(p, 'to'));
    if (from === undefined || to === undefined) return;
    if (from === to) c.add(`${at}.to`, 'ERR_TOPOLOGY_SELF_PEERING', `a network cannot be peered with itself (${from})`);
    const key = JSON.stringify([from, to]);
    const first = seen.get(key);
    if (first !== undefined) c.add(at, 'ERR_TOPOLOGY_DUPLICATE_PEERING', `peering from ${from} to ${to} is already declared at peerings[${first}]`);
    else seen.set(key, i);
  });
}

const VIA_HELP = 'internet, { network: NAME } or { vpn: NAME, kind: p2s | s2s, forcedTunnel?: true }';
const VIA_KEYS = ['network', 'vpn', 'kind', 'forcedTunnel'];

function checkVia(c: Checker, via: unknown, at: string): void {
  if (via === undefined) {
    c.add(at, 'ERR_TOPOLOGY_NO_NETWORK', `the client is in no network: say how it connects: ${VIA_HELP}`);
    return;
  }
  if (typeof via === 'string') {
    if (via !== 'internet') c.add(at, 'ERR_TOPOLOGY_VIA', `unknown connection ${JSON.stringify(via)}: expected ${VIA_HELP}`, c.networks.has(via) ? `{ network: ${via} }` : undefined);
    return;
  }
  if (!isRecord(via)) {
    c.add(at, 'ERR_TOPOLOGY_VIA', `expected ${VIA_HELP}`);
    return;
  }
  const keys = Object.keys(via);
  for (const key of keys) {
    if (!VIA_KEYS.includes(key)) {
      c.add(`${at}.${key}`, 'ERR_TOPOLOGY_UNKNOWN_KEY', `unknown key ${JSON.stringify(key)} (known keys: ${VIA_KEYS.join(', ')})`, closestName(key, VIA_KEYS));
    }
  }
  if ('forcedTunnel' in via && typeof via['forcedTunnel'] !== 'boolean') c.add(`${at}.forcedTunnel`, 'ERR_TOPOLOGY_TYPE', 'expected true or false');
  if ('network' in via && 'vpn' in via) {
    c.add(at, 'ERR_TOPOLOGY_VIA', 'give either network or vpn, not both');
    return;
  }
  if ('network' in via) {
    if (typeof via['network'] !== 'string') c.add(`${at}.network`, 'ERR_TOPOLOGY_TYPE', 'expected a network name');
    else c.network(via['network'], `${at}.network`);
    if ('kind' in via) c.add(`${at}.kind`, 'ERR_TOPOLOGY_VIA', 'kind applies to vpn clients only');
    if ('forcedTunnel' in via) c.add(`${at}.forcedTunnel`, 'ERR_TOPOLOGY_VIA', 'forcedTunnel applies to vpn clients only (a client in a network already reaches the internet from the network\'s egressIpRanges)');
    return;
  }
  if (!('vpn' in via)) {
    c.add(at, 'ERR_TOPOLOGY_NO_NETWORK', `the client is in no network: expected ${VIA_HELP}`);
    return;
  }
  const kind = via['kind'];
  if (kind !== 'p2s' && kind !== 's2s') {
    c.add(`${at}.kind`, kind === undefined ? 'ERR_TOPOLOGY_MISSING_KEY' : 'ERR_TOPOLOGY_VALUE', 'expected p2s (point-to-site clients) or s2s (on-premises networks behind a site-to-site tunnel)');
  }
  if (typeof via['vpn'] !== 'string') {
    c.add(`${at}.vpn`, 'ERR_TOPOLOGY_TYPE', 'expected the name of the network that holds the VPN gateway');
    return;
  }
  const net = c.network(via['vpn'], `${at}.vpn`);
  if (net === undefined) return;
  const gw = field(net, 'vpnGateway');
  if (gw === undefined) {
    c.add(`${at}.vpn`, 'ERR_TOPOLOGY_NO_GATEWAY', `network ${via['vpn']} has no vpnGateway`);
  } else if (kind === 'p2s' && field(gw, 'p2sClientPool') === undefined) {
    c.add(`${at}.kind`, 'ERR_TOPOLOGY_NO_GATEWAY', `the VPN gateway of ${via['vpn']} has no p2sClientPool for point-to-site clients`);
  } else if (kind === 's2s' && list(field(gw, 's2sPrefixes')).length === 0) {
    c.add(`${at}.kind`, 'ERR_TOPOLOGY_NO_GATEWAY', `the VPN gateway of ${via['vpn']} has no s2sPrefixes for site-to-site networks`);
  }
}

function checkClients(c: Checker, raw: unknown): void {
  const names = new Map<string, number>();
  const hasInternalVip = field(field(field(raw, 'cluster'), 'apiServer'), 'vnetIntegration') !== undefined;
  list(field(raw, 'clients')).forEach((client, i) => {
    const at = `clients[${i}]`;
    const name = str(field(client, 'name'));
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) c.add(`${at}.name`, 'ERR_TOPOLOGY_DUPLICATE_NAME', `client name ${JSON.stringify(name)} is already used by clients[${first}]`);
      else names.set(name, i);
    }
    const via = field(client, 'via');
    checkVia(c, via, `${at}.via`);
    const sources = field(client, 'sourceIpRanges');
    if (isRecord(via) && 'network' in via && sources !== undefined) {
      c.add(`${at}.sourceIpRanges`, 'ERR_TOPOLOGY_SOURCES', 'a client in a network reaches the internet from the network\'s egressIpRanges; set them on the network instead');
    }
    if (isRecord(via) && 'vpn' in via && via['forcedTunnel'] === true && sources !== undefined) {
      c.add(`${at}.sourceIpRanges`, 'ERR_TOPOLOGY_SOURCES', `a forced-tunnel VPN client reaches the internet through the VPN, from the egressIpRanges of network ${String(via['vpn'])}; set them on that network instead`);
    }
    if (via === 'internet' && (sources === undefined || list(sources).length === 0)) {
      c.add(`${at}.sourceIpRanges`, 'ERR_TOPOLOGY_SOURCES', 'an internet client needs sourceIpRanges: the public addresses it connects from');
    }
    list(sources).forEach((entry, j) => {
      if (typeof entry !== 'string') return;
      try {
        classifySource(entry);
      } catch (error) {
        if (!(error instanceof IpgateError)) throw error;
        c.add(`${at}.sourceIpRanges[${j}]`, error.code, error.message, error.suggestion);
      }
    });
    if (field(client, 'dns') === 'internal' && !hasInternalVip) {
      c.add(`${at}.dns`, 'ERR_TOPOLOGY_DNS', 'the API server has no internal IP (no cluster.apiServer.vnetIntegration), so its name cannot resolve internally', 'public');
    }
  });
}

function toVia(via: unknown): ClientVia {
  if (isRecord(via) && typeof via['network'] === 'string') return { kind: 'network', network: via['network'] };
  if (isRecord(via) && typeof via['vpn'] === 'string') return { kind: 'vpn', network: via['vpn'], vpn: via['kind'] === 's2s' ? 's2s' : 'p2s', forcedTunnel: via['forcedTunnel'] === true };
  return { kind: 'internet' };
}

function build(raw: Raw): Topology {
  const vi = raw.cluster.apiServer.vnetIntegration;
  return {
    cluster: {
      name: raw.cluster.name,
      apiServer: { publicEndpoint: raw.cluster.apiServer.publicEndpoint, ...(vi === undefined ? {} : { vnetIntegration: { network: vi.network, internalIp: vi.internalIp } }) },
      egressIpRanges: raw.cluster.egressIpRanges ?? [],
      authorizedIpRanges: raw.cluster.authorizedIpRanges ?? [],
    },
    networks: (raw.networks ?? []).map((n): Network => ({
      name: n.name,
      cidrs: n.cidrs,
      ...(n.egressIpRanges === undefined ? {} : { egressIpRanges: n.egressIpRanges }),
      ...(n.vpnGateway === undefined ? {} : {
        vpnGateway: {
          publicIp: n.vpnGateway.publicIp,
          ...(n.vpnGateway.p2sClientPool === undefined ? {} : { p2sClientPool: n.vpnGateway.p2sClientPool }),
          ...(n.vpnGateway.s2sPrefixes === undefined ? {} : { s2sPrefixes: n.vpnGateway.s2sPrefixes }),
        },
      }),
    })),
    peerings: (raw.peerings ?? []).map((p) => ({
      from: p.from,
      to: p.to,
      ...(p.allowGatewayTransit === undefined ? {} : { allowGatewayTransit: p.allowGatewayTransit }),
      ...(p.useRemoteGateways === undefined ? {} : { useRemoteGateways: p.useRemoteGateways }),
    })),
    clients: raw.clients.map((cl): Client => ({
      name: cl.name,
      via: toVia(cl.via),
      dns: cl.dns ?? 'public',
      ...(cl.sourceIpRanges === undefined ? {} : { sourceIpRanges: cl.sourceIpRanges }),
      expect: cl.expect ?? 'reachable',
    })),
  };
}

/** Validates a parsed document; throws TopologyError listing every problem. */
export function validateTopology(value: unknown, source = 'topology'): Topology {
  const c = new Checker();
  c.problems.push(...shapeProblems(value));
  const spaces = checkNetworks(c, value);
  c.problems.push(...overlapProblems(spaces));
  checkCluster(c, value);
  checkPeerings(c, value);
  checkClients(c, value);
  if (c.problems.length > 0) throw new TopologyError(source, c.problems);
  return build(schema.parse(value));
}

/** Parses YAML (or JSON) topology text and validates it. */
export function parseTopology(text: string, source = 'topology'): Topology {
  const result = parseYaml(text);
  if (!result.ok) {
    throw new TopologyError(
      source,
      result.problems.map((p) => ({ path: '', code: 'ERR_TOPOLOGY_YAML', message: `${p.line === undefined ? '' : `line ${p.line}, column ${p.col ?? '?'}: `}${p.message}` })),
    );
  }
  return validateTopology(result.value, source);
}
