/**
 * The config file's shape (zod strict objects: an unknown key is an error naming its path). Values are
 * checked further (addresses, ranges, the profile) in ./validate.ts.
 */
import { z } from 'zod';
import { SOURCE_KEYS, sourcesSchema } from '../sources/schema.js';

export const DEFAULT_PROXY_TIMEOUT_MS = 3000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

const proxyProtocolShape = {
  trustedFrom: z.array(z.string()).min(1),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
};

const listenerShape = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a listener name is 1-63 letters, digits, "_", "." or "-"'),
  address: z.string(),
  enforce: z.boolean().default(true),
  proxyProtocol: z.strictObject(proxyProtocolShape).optional(),
};

/** `admin.tls`: the admin API over HTTPS; with `clientCaFile`, client certificates are required. */
const adminTlsShape = {
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
  clientCaFile: z.string().min(1).optional(),
};

/** One of `tokenFile` (a single token, named `default`, scope write) or `tokensFile`; checked in ./validate.ts. */
const adminShape = {
  address: z.string(),
  tokenFile: z.string().min(1).optional(),
  /** Named tokens with a scope (read or write), re-read on SIGHUP. */
  tokensFile: z.string().min(1).optional(),
  tls: z.strictObject(adminTlsShape).optional(),
  proxyProtocol: z.strictObject(proxyProtocolShape).optional(),
  /** Largest request body the admin API reads (default 32 MiB). */
  maxBodyBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).optional(),
  /** Time a request body has to arrive in full (default 10 s). */
  bodyTimeoutMs: z.number().int().min(100).max(600_000).optional(),
};

/** `metrics: { address }`: a listener for /metrics, /healthz and /readyz without a token. */
const metricsShape = {
  address: z.string(),
};

const etcdShape = {
  endpoints: z.array(z.string().min(1)).min(1),
  prefix: z.string().min(1).default('/ipgate/'),
  profile: z.string().default('default'),
  caFile: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
};

/** Either `file` (+ `format`) or `etcd` (+ `cacheFile`); checked in ./validate.ts. */
const storeShape = {
  file: z.string().min(1).optional(),
  format: z.enum(['json', 'list']).optional(),
  etcd: z.strictObject(etcdShape).optional(),
  cacheFile: z.string().min(1).optional(),
};

/** NFLOG logging of refused connections (nftables data plane). */
const nftLogShape = {
  group: z.number().int().min(0).max(65535),
  perSecond: z.number().int().min(1).max(10_000).default(10),
};

/**
 * `dataplane: { type: haproxy | nftables, ... }`: HAProxy carries the connections, or the kernel enforces;
 * which keys apply to which type (and HAProxy mode) is checked in ./dataplane.ts.
 */
const dataplaneShape = {
  type: z.enum(['haproxy', 'nftables']),
  mode: z.enum(['managed', 'attach']).optional(),
  binary: z.string().min(1).optional(),
  stateDir: z.string().min(1).optional(),
  threads: z.number().int().min(1).max(64).optional(),
  socket: z.string().min(1).optional(),
  mapFile: z.string().min(1).optional(),
  frontends: z.array(z.string().min(1)).min(1).optional(),
  hooks: z.array(z.enum(['input', 'forward'])).min(1).max(2).optional(),
  refuse: z.enum(['reset', 'drop']).optional(),
  verifyIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
  log: z.strictObject(nftLogShape).optional(),
};

const profileShape = {
  // Required: an empty list means "every source is allowed", so it must be written, never implied.
  authorizedIpRanges: z.array(z.string()),
  egressIpRanges: z.array(z.string()).default([]),
};

/** How URL range sources are downloaded (per-attempt timeout, retries, first backoff). */
const sourceFetchShape = {
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
  retries: z.number().int().min(0).max(10).optional(),
  backoffMs: z.number().int().min(0).max(600_000).optional(),
};

const topShape = {
  // Required except with the nftables data plane (checked in ./validate.ts).
  upstream: z.string().optional(),
  listeners: z.array(z.strictObject(listenerShape)).min(1),
  admin: z.strictObject(adminShape).optional(),
  metrics: z.strictObject(metricsShape).optional(),
  store: z.strictObject(storeShape).optional(),
  profile: z.strictObject(profileShape).optional(),
  auditLog: z.string().min(1).optional(),
  revokeExisting: z.boolean().default(true),
  drainTimeoutMs: z.number().int().min(0).max(3_600_000).default(DEFAULT_DRAIN_TIMEOUT_MS),
  upstreamConnectTimeoutMs: z.number().int().min(1).max(600_000).default(5000),
  sources: sourcesSchema.optional(),
  sourceFetch: z.strictObject(sourceFetchShape).optional(),
  dataplane: z.strictObject(dataplaneShape).optional(),
};

export const configSchema = z.strictObject(topShape);
export type RawConfig = z.infer<typeof configSchema>;

/** Known keys by normalized path (indexes as []), for "did you mean" on unknown keys. */
export const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(topShape),
  'listeners[]': Object.keys(listenerShape),
  'listeners[].proxyProtocol': Object.keys(proxyProtocolShape),
  admin: Object.keys(adminShape),
  'admin.tls': Object.keys(adminTlsShape),
  'admin.proxyProtocol': Object.keys(proxyProtocolShape),
  metrics: Object.keys(metricsShape),
  store: Object.keys(storeShape),
  'store.etcd': Object.keys(etcdShape),
  profile: Object.keys(profileShape),
  dataplane: Object.keys(dataplaneShape),
  'dataplane.log': Object.keys(nftLogShape),
  'sources[]': SOURCE_KEYS,
  sourceFetch: Object.keys(sourceFetchShape),
};
