/**
 * The `dataplane` section of the config: value checks (with key paths) and the validated form. Pure.
 * HAProxy (`mode: managed | attach`) or nftables (the kernel enforces; listener addresses are the protected
 * service's own, and PROXY protocol does not apply).
 */
import { isAbsolute, resolve } from 'node:path';
import type { ConfigProblem } from './problems.js';
import type { DataplaneConfig } from './types.js';

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const MANAGED_ONLY = ['binary', 'stateDir', 'threads'] as const;
const ATTACH_ONLY = ['socket', 'mapFile', 'frontends'] as const;
const NFTABLES_ONLY = ['hooks', 'refuse', 'verifyIntervalMs', 'log'] as const;
const HAPROXY_ONLY = ['mode', 'stateDir', 'threads', 'socket', 'mapFile', 'frontends'] as const;
export const DEFAULT_VERIFY_INTERVAL_MS = 30_000;

/** What the kernel cannot do for a listener (the rules see packets; nothing reads a PROXY header). */
function nftablesProblems(document: Record<string, unknown>, d: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of HAPROXY_ONLY) {
    if (d[key] !== undefined) problems.push({ path: `dataplane.${key}`, code: 'ERR_CONFIG_VALUE', message: `"${key}" does not apply to dataplane type nftables` });
  }
  const hooks = d['hooks'];
  if (Array.isArray(hooks) && new Set(hooks).size !== hooks.length) {
    problems.push({ path: 'dataplane.hooks', code: 'ERR_CONFIG_DUPLICATE', message: 'a hook is listed twice' });
  }
  const listeners = Array.isArray(document['listeners']) ? (document['listeners'] as unknown[]) : [];
  const seen = new Map<string, number>();
  listeners.forEach((item, i) => {
    const l = record(item) ?? {};
    const address = l['address'];
    if (typeof address === 'string' && /:0$/.test(address)) {
      problems.push({ path: `listeners[${i}].address`, code: 'ERR_CONFIG_VALUE', message: 'with dataplane nftables the address is the protected service\'s own address and port; port 0 is not one' });
    }
    if (typeof address === 'string') {
      const before = seen.get(address);
      if (before !== undefined) problems.push({ path: `listeners[${i}].address`, code: 'ERR_CONFIG_DUPLICATE', message: `address ${address} is also listeners[${before}].address` });
      seen.set(address, i);
    }
    if (l['proxyProtocol'] !== undefined) {
      problems.push({
        path: `listeners[${i}].proxyProtocol`,
        code: 'ERR_CONFIG_VALUE',
        message: 'PROXY protocol does not apply to dataplane nftables: the kernel judges the packet\'s source, which is the load balancer\'s address; put ipgate (Node or HAProxy data plane) behind the balancer instead, or let the balancer keep client addresses',
      });
    }
  });
  return problems;
}

/** Problems of a `dataplane` section beyond its shape (which keys each mode needs). */
export function dataplaneProblems(document: Record<string, unknown>): ConfigProblem[] {
  const d = record(document['dataplane']);
  if (d === undefined) return [];
  if (d['type'] === 'nftables') return nftablesProblems(document, d);
  const problems: ConfigProblem[] = [];
  for (const key of NFTABLES_ONLY) {
    if (d[key] !== undefined) problems.push({ path: `dataplane.${key}`, code: 'ERR_CONFIG_VALUE', message: `"${key}" applies to dataplane type nftables only` });
  }
  if (d['mode'] === undefined) problems.push({ path: 'dataplane.mode', code: 'ERR_CONFIG_MISSING_KEY', message: 'required key is missing (managed or attach)' });
  const missing = (key: string, what: string): void => {
    if (d[key] === undefined) problems.push({ path: `dataplane.${key}`, code: 'ERR_CONFIG_MISSING_KEY', message: `required key is missing (${what})` });
  };
  const misplaced = (keys: readonly string[], mode: string): void => {
    for (const key of keys) {
      if (d[key] !== undefined) problems.push({ path: `dataplane.${key}`, code: 'ERR_CONFIG_VALUE', message: `"${key}" does not apply to mode ${mode}` });
    }
  };
  if (d['mode'] === 'managed') {
    missing('stateDir', "the directory for HAProxy's config, allow map and runtime socket");
    misplaced(ATTACH_ONLY, 'managed');
    const listeners = Array.isArray(document['listeners']) ? (document['listeners'] as unknown[]) : [];
    listeners.forEach((item, i) => {
      const address = record(item)?.['address'];
      if (typeof address === 'string' && /:0$/.test(address)) {
        problems.push({ path: `listeners[${i}].address`, code: 'ERR_CONFIG_VALUE', message: 'HAProxy needs a fixed port (port 0 is not supported with dataplane haproxy)' });
      }
    });
  } else if (d['mode'] === 'attach') {
    missing('socket', 'the HAProxy runtime API socket, "stats socket PATH level admin"');
    missing('mapFile', "the allow map file named in HAProxy's map_ip(...) rules");
    misplaced(MANAGED_ONLY, 'attach');
  }
  for (const key of ['stateDir', 'socket', 'mapFile'] as const) {
    const value = d[key];
    if (typeof value === 'string' && /\s/.test(value)) {
      problems.push({ path: `dataplane.${key}`, code: 'ERR_CONFIG_VALUE', message: "must not contain spaces (HAProxy's runtime API splits on them)" });
    }
  }
  return problems;
}

export interface RawDataplane {
  readonly type: 'haproxy' | 'nftables';
  readonly mode?: 'managed' | 'attach' | undefined;
  readonly binary?: string | undefined;
  readonly stateDir?: string | undefined;
  readonly threads?: number | undefined;
  readonly socket?: string | undefined;
  readonly mapFile?: string | undefined;
  readonly frontends?: readonly string[] | undefined;
  readonly hooks?: readonly ('input' | 'forward')[] | undefined;
  readonly refuse?: 'reset' | 'drop' | undefined;
  readonly verifyIntervalMs?: number | undefined;
  readonly log?: { readonly group: number; readonly perSecond: number } | undefined;
}

/** The validated form (after dataplaneProblems found nothing); relative paths resolve against `baseDir`. */
export function dataplaneConfig(raw: RawDataplane, baseDir: string): DataplaneConfig {
  const abs = (file: string): string => (isAbsolute(file) ? file : resolve(baseDir, file));
  if (raw.type === 'nftables') {
    return {
      type: 'nftables',
      binary: raw.binary ?? 'nft',
      hooks: raw.hooks ?? ['input'],
      refuse: raw.refuse ?? 'reset',
      verifyIntervalMs: raw.verifyIntervalMs ?? DEFAULT_VERIFY_INTERVAL_MS,
      ...(raw.log === undefined ? {} : { log: raw.log }),
    };
  }
  if (raw.mode === 'managed') {
    return {
      type: 'haproxy',
      mode: 'managed',
      binary: raw.binary ?? 'haproxy',
      stateDir: abs(raw.stateDir ?? 'haproxy'),
      ...(raw.threads === undefined ? {} : { threads: raw.threads }),
    };
  }
  return {
    type: 'haproxy',
    mode: 'attach',
    socket: abs(raw.socket ?? ''),
    mapFile: abs(raw.mapFile ?? ''),
    ...(raw.frontends === undefined ? {} : { frontends: raw.frontends }),
  };
}
