/** The gateway's configuration once validated: what `ipgate serve` runs. */
import type { Profile } from '../policy/profile.js';
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

export interface AdminConfig {
  readonly address: Endpoint;
  /** Absolute path of the file holding the bearer token. */
  readonly tokenFile: string;
}

export type StoreFormat = 'json' | 'list';

export interface StoreConfig {
  /** Absolute path. */
  readonly file: string;
  /** `json`: the profile as JSON. `list`: one authorized range a line (the `--ranges` file). */
  readonly format: StoreFormat;
}

export interface GatewayConfig {
  /** Where the config came from (a file path, or `command line`). */
  readonly source: string;
  readonly upstream: Endpoint;
  readonly listeners: readonly ListenerConfig[];
  readonly admin?: AdminConfig;
  /** Absent: the profile lives in memory, from `profile` (SIGHUP re-reads the config file). */
  readonly store?: StoreConfig;
  /** Seeds the store when its file does not exist. */
  readonly profile?: Profile;
  /** `-` = standard error (default), `off`, or a file path (absolute). */
  readonly auditLog: string;
  readonly revokeExisting: boolean;
  readonly drainTimeoutMs: number;
  readonly upstreamConnectTimeoutMs: number;
}
