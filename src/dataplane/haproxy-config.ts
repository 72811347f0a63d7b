/**
 * The HAProxy configuration ipgate writes in managed mode (pure): one TCP frontend per listener, refusing
 * at `tcp-request connection` (before any upstream dial) every source the allow map does not admit, PROXY
 * protocol from trusted peers, and one backend to the upstream. See ./allow-map.ts for why the rules test
 * the map value (`4`/`6`) against the source's family.
 */
import type { Endpoint } from '../config/address.js';
import type { ListenerConfig } from '../config/types.js';

export interface HaproxyConfigInput {
  readonly listeners: readonly ListenerConfig[];
  readonly upstream: Endpoint;
  readonly upstreamConnectTimeoutMs: number;
  readonly socketPath: string;
  readonly mapFile: string;
  /** The trusted-peers map of a listener with PROXY protocol. */
  readonly trustedFile: (listener: string) => string;
  readonly threads?: number;
}

export function frontendName(listener: string): string {
  return `ipgate-${listener}`;
}

function haproxyAddress(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/**
 * A peer whose PROXY header is believed. HAProxy cannot build an ACL from other ACLs, so the condition is
 * written out in each rule that needs it.
 */
const TRUSTED_PEER = 'ipgate_src_v4 ipgate_trusted_v4 || !ipgate_src_v4 ipgate_trusted_v6';

const SRC_V4_ACL = '  acl ipgate_src_v4 src ::ffff:0:0/96';

/** The ACLs TRUSTED_PEER is made of (besides SRC_V4_ACL), from a listener's trusted-peers map. */
function trustedAcls(trustedFile: string): string[] {
  return [
    `  acl ipgate_trusted_v4 src,map_ip(${trustedFile}) -m str 4`,
    `  acl ipgate_trusted_v6 src,map_ip(${trustedFile}) -m str 6`,
  ];
}

/** The rules admitting a source whose address is `src` at the time they run. */
function allowRules(phase: 'connection' | 'session'): string[] {
  return [
    `  tcp-request ${phase} accept if ipgate_src_v4 ipgate_allowed_v4`,
    `  tcp-request ${phase} accept if !ipgate_src_v4 ipgate_allowed_v6`,
    `  tcp-request ${phase} reject`,
  ];
}

/** Rules of an enforced frontend (exported for the attach-mode documentation and tests). */
export function enforcementRules(mapFile: string, trustedFile?: string): string[] {
  const lines = [
    SRC_V4_ACL,
    `  acl ipgate_allowed_v4 src,map_ip(${mapFile}) -m str 4`,
    `  acl ipgate_allowed_v6 src,map_ip(${mapFile}) -m str 6`,
  ];
  if (trustedFile === undefined) return [...lines, ...allowRules('connection')];
  return [
    ...lines,
    ...trustedAcls(trustedFile),
    // A trusted balancer's connection is judged by the address its PROXY header carries (session rules
    // run after the header is read); any other peer by its own address, at once.
    `  tcp-request connection expect-proxy layer4 if ${TRUSTED_PEER}`,
    `  tcp-request connection accept if ${TRUSTED_PEER}`,
    ...allowRules('connection'),
    ...allowRules('session'),
  ];
}

export function renderHaproxyConfig(input: HaproxyConfigInput): string {
  const out = [
    '# Written by ipgate (dataplane: haproxy, mode: managed); changes here are overwritten on start.',
    'global',
    '  master-worker',
    `  stats socket ${input.socketPath} mode 600 level admin`,
    ...(input.threads === undefined ? [] : [`  nbthread ${input.threads}`]),
    '',
    'defaults',
    '  mode tcp',
    `  timeout connect ${input.upstreamConnectTimeoutMs}ms`,
    '  timeout client 1h',
    '  timeout server 1h',
    // Idle limit once a connection is passed through (it supersedes client/server timeouts from then on).
    '  timeout tunnel 1h',
    '',
  ];
  for (const listener of input.listeners) {
    out.push(`frontend ${frontendName(listener.name)}`);
    out.push(`  bind ${haproxyAddress(listener.address)}${listener.address.host === '::' ? ' v4v6' : ''}`);
    // Before the tunnel exists the client timeout is what bounds the wait for a PROXY header.
    if (listener.proxyProtocol !== undefined) out.push(`  timeout client ${listener.proxyProtocol.timeoutMs}ms`);
    if (listener.enforce) {
      out.push(...enforcementRules(input.mapFile, listener.proxyProtocol === undefined ? undefined : input.trustedFile(listener.name)));
    } else if (listener.proxyProtocol !== undefined) {
      out.push(SRC_V4_ACL, ...trustedAcls(input.trustedFile(listener.name)));
      out.push(`  tcp-request connection expect-proxy layer4 if ${TRUSTED_PEER}`);
    }
    out.push('  default_backend ipgate-upstream', '');
  }
  out.push('backend ipgate-upstream', `  server upstream ${haproxyAddress(input.upstream)}`, '');
  return out.join('\n');
}
