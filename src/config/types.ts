/** The gateway's configuration once validated: what `ipgate serve` runs. */
import type { Profile } from '../policy/profile.js';
import type { SourceConfig } from '../sources/schema.js';
import type { Endpoint } from './address.js';

export interface ProxyProtocolConfig {
  /** Peers whose PROXY headers are believed (CIDRs as written). */
  readonly trustedFrom: readonly string[];
  /** How long a trusted peer has to send its header. */
  readonly timeoutMs: number;
}

export interface ListenerConfig {
  readonly name: string;
  readonly address: Endpoint;
  /** false: every source is allowed (reason `not-enforced`), like an internal VIP. */
  readonly enforce: boolean;
  readonly proxyProtocol?: ProxyProtocolConfig;
}

/** `admin.tls`: absolute paths, re-read on SIGHUP. */
export interface AdminTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA of the client certificates; given: every client must present one it signed. */
  readonly clientCaFile?: string;
}

export interface AdminConfig {
  readonly address: Endpoint;
  /** Absolute path of the file holding the bearer token (one token named `default`, scope write). */
  readonly tokenFile?: string;
  /** Absolute path of the named tokens file (exclusive with tokenFile; exactly one of them is set). */
  readonly tokensFile?: string;
  /** HTTPS instead of plain HTTP. */
  readonly tls?: AdminTlsConfig;
  /** Peers (a load balancer) whose PROXY headers carry the caller's address. */
  readonly proxyProtocol?: ProxyProtocolConfig;
  /** Largest request body read (absent: 32 MiB); a larger one is answered 413. */
  readonly maxBodyBytes?: number;
  /** Time a request body has to arrive in full (absent: 10 s); a slower one is answered 408. */
  readonly bodyTimeoutMs?: number;
}

export type StoreFormat = 'json' | 'list';

export interface StoreConfig {
  /** Absolute path. */
  readonly file: string;
  /** `json`: the profile as JSON. `list`: one authorized range a line (the `--ranges` file). */
  readonly format: StoreFormat;
}

export interface EtcdStoreConfig {
  /** `http(s)://host:port` URLs. */
  readonly endpoints: readonly string[];
  /** Key space shared by the instances; profiles live at `<prefix>profiles/<name>`. */
  readonly prefix: string;
  /** The named profile this instance enforces. */
  readonly profile: string;
  /** Absolute paths (TLS to etcd). */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Absolute path of the last-known-good cache, written on every accepted change. */
  readonly cacheFile?: string;
}

/** `dataplane: { type: haproxy, mode: managed }`: ipgate writes HAProxy's config and runs it as a child. */
export interface HaproxyManagedConfig {
  readonly type: 'haproxy';
  readonly mode: 'managed';
  /** The haproxy binary (default `haproxy`, looked up in PATH). */
  readonly binary: string;
  /** Absolute path: HAProxy's config, allow map, runtime socket and pid file live here. */
  readonly stateDir: string;
  readonly threads?: number;
}

/** `dataplane: { type: haproxy, mode: attach }`: an HAProxy run by others; ipgate only updates its allow map. */
export interface HaproxyAttachConfig {
  readonly type: 'haproxy';
  readonly mode: 'attach';
  /** Absolute path of the runtime API socket (`stats socket PATH level admin`). */
  readonly socket: string;
  /** Absolute path of the allow map file, as HAProxy's config names it in `map_ip(...)`. */
  readonly mapFile: string;
  /** Frontends whose sessions are revoked on a change (default: every TCP session). */
  readonly frontends?: readonly string[];
}

export type HaproxyDataplaneConfig = HaproxyManagedConfig | HaproxyAttachConfig;

/**
 * `dataplane: { type: nftables }`: the kernel enforces; ipgate keeps `table inet ipgate` equal to the profile.
 * Listener addresses are the protected service's own address and port; no proxy is in the path.
 */
export interface NftablesDataplaneConfig {
  readonly type: 'nftables';
  /** The nft binary (default `nft`, looked up in PATH). */
  readonly binary: string;
  /** Netfilter hooks the rules sit on: `input` (the service runs on this host), `forward` (reached through DNAT or a bridge). */
  readonly hooks: readonly ('input' | 'forward')[];
  /** What a refused source gets: a TCP reset (default) or nothing (drop). */
  readonly refuse: 'reset' | 'drop';
  /** How often the table is read back and compared with the profile in force. */
  readonly verifyIntervalMs: number;
  /** Refused connections logged to this NFLOG group at most `perSecond` times a second, read for the audit log. */
  readonly log?: { readonly group: number; readonly perSecond: number };
}

export type DataplaneConfig = HaproxyDataplaneConfig | NftablesDataplaneConfig;

export interface GatewayConfig {
  /** Where the config came from (a file path, or `command line`). */
  readonly source: string;
  /** Where allowed connections go; absent only with the nftables data plane (nothing is proxied there). */
  readonly upstream?: Endpoint;
  readonly listeners: readonly ListenerConfig[];
  readonly admin?: AdminConfig;
  /** A listener for /metrics, /healthz and /readyz without a token (then /metrics on the admin API needs one). */
  readonly metrics?: { readonly address: Endpoint };
  /** Absent: the profile lives in memory, from `profile` (SIGHUP re-reads the config file). */
  readonly store?: StoreConfig;
  /** The profile lives in etcd (`store.etcd`), shared by many instances; exclusive with `store`. */
  readonly etcd?: EtcdStoreConfig;
  /** Seeds the store when its file does not exist. */
  readonly profile?: Profile;
  /** `-` = standard error (default), `off`, or a file path (absolute). */
  readonly auditLog: string;
  readonly revokeExisting: boolean;
  readonly drainTimeoutMs: number;
  readonly upstreamConnectTimeoutMs: number;
  /** Range sources the profile may reference (`azure:AzureCloud.westeurope`); `file:` paths are absolute. */
  readonly sources?: readonly SourceConfig[];
  /** Where the last good copy of each source is kept: `.ipgate-cache/sources` next to the store file, or the config file. */
  readonly sourcesCacheDir?: string;
  /** Download settings of URL sources (defaults: 30 s per attempt, 2 retries, 1 s first backoff). */
  readonly sourceFetch?: { readonly timeoutMs?: number | undefined; readonly retries?: number | undefined; readonly backoffMs?: number | undefined };
  /** HAProxy carries the connections, or the kernel enforces (nftables), instead of ipgate's own listeners. */
  readonly dataplane?: DataplaneConfig;
}

/**
 * What `ipgate export` and `ipgate sources` need of a config: the profile, its store and its sources. The
 * gateway's own keys (`upstream`, `listeners`) may be left out of a file used only for that.
 */
export type ProfileConfig = Omit<GatewayConfig, 'upstream' | 'listeners'> & Partial<Pick<GatewayConfig, 'upstream' | 'listeners'>>;
