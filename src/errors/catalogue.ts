/**
 * Every code ipgate reports, written once: what it means, the admin API's HTTP status for it, how the CLI
 * exits with it, and the subject it belongs to (docs/errors.md is generated from this table by
 * `npm run docs:errors`). `ErrorCode` is derived from the keys, so a code that is not listed here does
 * not compile where a code is expected. WARN_ codes are warnings: reported, they refuse nothing.
 */

/** What a code is about; the groups of docs/errors.md, in this order. */
export const SUBJECTS = {
  parse: 'Addresses and ranges',
  condense: 'Condensing a list (ipgate condense)',
  profile: 'Access profiles',
  aks: 'AKS rules (ipgate ranges validate --target aks)',
  export: 'Exporting a list (ipgate export)',
  import: 'Importing from a cloud (ipgate import)',
  config: 'Config file',
  store: 'Profile store (file, etcd)',
  admin: 'Admin API',
  gateway: 'Gateway',
  haproxy: 'HAProxy data plane',
  nftables: 'nftables data plane',
  sources: 'Range sources',
  planner: 'Access planner (ipgate plan)',
  cli: 'Command line',
  general: 'Any part',
} as const;

export type Subject = keyof typeof SUBJECTS;

/** Commands that list codes among their findings and then exit 1 (not 2): the code is their verdict. */
export type FindingCommand = 'ranges validate' | 'sources show' | 'sources sync';

export interface CodeInfo {
  readonly subject: Subject;
  /** One line: what happened, in the user's terms. */
  readonly meaning: string;
  /** A warning (WARN_...): reported beside the result, it changes nothing. */
  readonly warning?: true;
  /** The admin API's status for an answer this code causes (as its `code`, or in its `errors` list). */
  readonly http?: number;
  /** The exit status of a CLI command that stops with this code. */
  readonly exit?: 2 | 70;
  /** Commands that report the code as a finding and exit 1 (a warning leaves the exit status alone). */
  readonly findingIn?: readonly FindingCommand[];
}

const VALIDATE: readonly FindingCommand[] = ['ranges validate'];

const TABLE = {
  // Addresses and ranges (src/cidr/parse.ts and the library's input checks).
  ERR_EMPTY: { subject: 'parse', meaning: 'An address or range is an empty string.', http: 400, exit: 2 },
  ERR_WHITESPACE: { subject: 'parse', meaning: 'An address or range contains whitespace.', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_ZONE_ID: { subject: 'parse', meaning: 'An IPv6 address carries a zone id (`%eth0`), which is never valid in an allow-list.', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_BRACKETS: { subject: 'parse', meaning: 'An IPv6 address is written in brackets (`[2001:db8::1]`).', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_IPV4_SYNTAX: { subject: 'parse', meaning: 'An IPv4 address has an empty octet, an unexpected character, more than four octets or a hexadecimal form.', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_IPV4_OCTET: { subject: 'parse', meaning: 'An IPv4 octet is greater than 255.', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_IPV4_LEADING_ZERO: { subject: 'parse', meaning: 'An IPv4 octet has a leading zero (some software reads it as octal).', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_IPV4_SHORT: { subject: 'parse', meaning: 'An IPv4 address has fewer than four octets (`127.1`) or is a bare integer.', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_IPV6_SYNTAX: { subject: 'parse', meaning: 'An IPv6 address is malformed (a group, a colon, `::` or an embedded IPv4 part).', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_ADDRESS_SYNTAX: { subject: 'parse', meaning: 'Text is not an IP address, an address has a prefix length where one address is expected, or a range has no address before `/`.', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_PREFIX_LENGTH: { subject: 'parse', meaning: 'The prefix length after `/` is missing, not a decimal number, has a leading zero or is too long for the family, or there is a second `/`.', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_PREFIX_NETMASK: { subject: 'parse', meaning: 'A range is written with a netmask (`/255.255.255.0`) instead of a prefix length.', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_HOST_BITS: { subject: 'parse', meaning: 'A range has host bits set (`10.0.0.1/8`); the suggestion is the range that starts at its first address.', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_RANGE_SYNTAX: { subject: 'parse', meaning: 'An entry is neither an IP range nor, where references are allowed, a range reference (`provider:Name`).', http: 400, exit: 2 },
  ERR_ADDRESS_TYPE: { subject: 'parse', meaning: 'The library was given an address that is not a string (or a parsed address object).' },
  ERR_RANGE_TYPE: { subject: 'parse', meaning: 'The library was given a range that is not a string.' },
  ERR_RANGE_INVALID: { subject: 'parse', meaning: 'The library was given a malformed range object (family, network, prefix).' },

  // Condensing (src/cidr/condense.ts).
  ERR_CONDENSE_BUDGET: { subject: 'condense', meaning: 'No cover of the list fits in the given number of prefixes; the message names the smallest number that works.', exit: 2 },
  ERR_CONDENSE_MAX: { subject: 'condense', meaning: 'The number of prefixes to condense to is not a whole number of at least 1.', exit: 2 },
  ERR_CONDENSE_CONFLICT: { subject: 'condense', meaning: 'An address the list requires is also in the exclusions.', exit: 2 },

  // Access profiles (src/policy).
  ERR_PROFILE_INVALID: { subject: 'profile', meaning: 'An access profile has problems; each is listed with its own code and nothing was changed.', http: 400, exit: 2 },
  ERR_PROFILE_FIELD: { subject: 'profile', meaning: 'The library was given a profile whose authorizedIpRanges or egressIpRanges is not a list.' },
  ERR_SERVICE_TAG_UNSUPPORTED: { subject: 'profile', meaning: 'A service tag name is listed where ipgate needs ranges (target ipgate, or in egressIpRanges).', http: 400, exit: 2, findingIn: VALIDATE },
  ERR_EGRESS_SENTINEL: { subject: 'profile', meaning: '0.0.0.0/32 (the "only egress" sentinel) is listed in egressIpRanges, where it has no meaning.', http: 400, exit: 2 },
  ERR_EGRESS_ONLY_COMBINED: { subject: 'profile', meaning: '0.0.0.0/32 (only the egress addresses) is combined with other authorized entries.', http: 400, exit: 2, findingIn: VALIDATE },
  WARN_DUPLICATE_ENTRY: { subject: 'profile', meaning: 'The same range (in canonical form) or name is listed twice; it changes nothing about who may connect.', warning: true, findingIn: VALIDATE },
  ERR_PROFILE_NAME: { subject: 'profile', meaning: 'A profile name is not 1-63 letters, digits, `_`, `.` or `-`.', http: 400, exit: 2 },
  ERR_TARGET: { subject: 'profile', meaning: 'The library was asked to validate for an unknown target (ipgate or aks).' },
  ERR_ENTRY_NOTE: { subject: 'profile', meaning: 'An entry\'s note is empty, longer than 256 characters, or has a line break or control character.', http: 400, exit: 2 },
  ERR_ENTRY_EXPIRES: { subject: 'profile', meaning: 'An entry\'s expiry time is not an RFC 3339 date-time with a time zone (or, on the command line, a duration such as 8h).', http: 400, exit: 2 },
  ERR_ENTRY_EXPIRED: { subject: 'profile', meaning: 'A request adds an entry whose expiry time has already passed; nothing was changed.', http: 400, exit: 2 },

  // AKS rules (validation with --target aks).
  ERR_AKS_IPV6: { subject: 'aks', meaning: 'An IPv6 range, or an IPv4 range in IPv6 notation; AKS accepts IPv4 ranges only.', findingIn: VALIDATE },
  ERR_AKS_NOT_GLOBAL: { subject: 'aks', meaning: 'A private, reserved or special-purpose range; AKS accepts public ranges only.', findingIn: VALIDATE },
  ERR_AKS_TOO_MANY: { subject: 'aks', meaning: 'The list has more than the 200 entries AKS accepts.', findingIn: VALIDATE },
  ERR_AKS_ALLOW_ALL_COMBINED: { subject: 'aks', meaning: '0.0.0.0/0 (every IPv4 address) is combined with other entries.', findingIn: VALIDATE },
  ERR_AKS_SERVICE_TAGS: { subject: 'aks', meaning: 'A second service tag; AKS allows at most one.', findingIn: VALIDATE },
  ERR_AKS_SERVICE_TAG_VNET: { subject: 'aks', meaning: 'A service tag on a cluster with API server VNet integration, where AKS refuses tags (`ranges validate --target aks --vnet-integration`, `export --target aks --vnet-integration` without `--expand-tags`).', exit: 2, findingIn: VALIDATE },

  // ipgate export.
  ERR_EXPORT_DISABLED: { subject: 'export', meaning: 'The profile has no authorized ranges (everyone may connect), so there is no list to export.', exit: 2 },
  ERR_EXPORT_IPV6: { subject: 'export', meaning: 'An IPv6 range is listed explicitly, but the target accepts IPv4 ranges only.', exit: 2 },
  ERR_EXPORT_NOT_GLOBAL: { subject: 'export', meaning: 'A listed range overlaps a private or special-purpose block, which AKS refuses.', exit: 2 },
  ERR_EXPORT_EMPTY: { subject: 'export', meaning: 'No range is left for the target after its rules.', exit: 2 },
  ERR_EXCLUDE_PARSE: { subject: 'export', meaning: 'A line of the `--exclude` file is not a range.', exit: 2 },

  // ipgate import (src/policy/cloud-import*.ts).
  ERR_IMPORT_SHAPE: { subject: 'import', meaning: 'The file is not the JSON of `az aks show`, `gcloud container clusters describe --format json` or `aws eks describe-cluster` (as the provider named says).', exit: 2 },
  ERR_IMPORT_NO_PUBLIC_ENDPOINT: { subject: 'import', meaning: 'The cluster has no public endpoint (a private AKS cluster, EKS with endpointPublicAccess false, GKE private endpoint without authorized networks): authorized ranges do not apply, there is nothing to import.', exit: 2 },
  ERR_IMPORT_INVALID: { subject: 'import', meaning: 'An entry of the cloud\'s list is not something ipgate takes; each is named with its code and fix.', exit: 2 },

  // The config file (src/config).
  ERR_CONFIG_INVALID: { subject: 'config', meaning: 'The config has problems; each is listed with its own code and its key path.', exit: 2 },
  ERR_CONFIG_READ: { subject: 'config', meaning: 'The config file cannot be read (on SIGHUP: the profile in force stays).', exit: 2 },
  ERR_CONFIG_YAML: { subject: 'config', meaning: 'The config is not valid YAML (or JSON); the line is named.', exit: 2 },
  ERR_CONFIG_UNKNOWN_KEY: { subject: 'config', meaning: 'An unknown key, with the closest known one.', exit: 2 },
  ERR_CONFIG_MISSING_KEY: { subject: 'config', meaning: 'A required key is missing.', exit: 2 },
  ERR_CONFIG_TYPE: { subject: 'config', meaning: 'A value has the wrong type (e.g. the string "no" where a boolean is expected).', exit: 2 },
  ERR_CONFIG_VALUE: { subject: 'config', meaning: 'A value is out of range, malformed, or does not go with the other keys.', exit: 2 },
  ERR_CONFIG_DUPLICATE: { subject: 'config', meaning: 'A listener name is used twice.', exit: 2 },
  ERR_ENDPOINT: { subject: 'config', meaning: 'An address is not `host:port` or `[v6]:port` (listeners, upstream, admin, `--listen`, `--upstream`).', exit: 2 },

  // The profile store (src/store).
  ERR_STORE_READ: { subject: 'store', meaning: 'The store file cannot be read or does not exist (while running: the last good profile stays).', exit: 2 },
  ERR_STORE_INVALID: { subject: 'store', meaning: 'A stored profile (file, etcd key) does not parse or validate; the last good profile stays in force.', http: 400, exit: 2 },
  ERR_STORE_UNSUPPORTED: { subject: 'store', meaning: 'A ranges-list store file cannot hold egressIpRanges.', http: 400, exit: 2 },
  ERR_STORE_MISSING: { subject: 'store', meaning: 'The etcd key of the enforced profile was deleted; the profile in force stays (logged).' },
  ERR_STORE_NO_PROFILE: { subject: 'store', meaning: 'etcd held no valid profile at start: the cache file is enforced, or every source is refused (logged as a warning).' },
  ERR_STORE_UNAVAILABLE: { subject: 'store', meaning: 'The store cannot be reached; the write was not applied.', http: 503, exit: 2 },
  ERR_STORE_OUTCOME_UNKNOWN: { subject: 'store', meaning: 'The store did not confirm a write: it may or may not be in force (read the profile to see).', http: 503, exit: 2 },
  ERR_PRECONDITION: { subject: 'store', meaning: 'The profile changed since the revision a write was based on (a stale If-Match / ETag); nothing was changed.', http: 412, exit: 2 },
  ERR_CACHE_READ: { subject: 'store', meaning: 'The etcd store\'s cache file cannot be read (its message is part of the ERR_STORE_NO_PROFILE warning).' },
  ERR_CACHE_INVALID: { subject: 'store', meaning: 'The etcd store\'s cache file is unusable (its message is part of the ERR_STORE_NO_PROFILE warning).' },
  ERR_CACHE_WRITE: { subject: 'store', meaning: 'The etcd store\'s cache file cannot be written (logged as a warning).' },
  ERR_HISTORY_WRITE: { subject: 'store', meaning: 'A change was made but its history record could not be written (the file store\'s history file; logged as a warning).' },
  ERR_HISTORY_READ: { subject: 'store', meaning: 'The change history cannot be read (the history file, or etcd).', http: 503, exit: 2 },
  ERR_ETCD_TLS: { subject: 'store', meaning: 'A TLS file for etcd (CA, client certificate, key) cannot be read, or https endpoints lack caFile.', exit: 2 },

  // The admin API (src/admin).
  ERR_UNAUTHORIZED: { subject: 'admin', meaning: 'The bearer token is missing or wrong.', http: 401, exit: 2 },
  ERR_TOKEN_FILE: { subject: 'admin', meaning: 'The admin token file cannot be used: missing, not a regular file, readable by others, empty or too short (on SIGHUP: the token in force stays).', exit: 2 },
  ERR_TOKENS_FILE: { subject: 'admin', meaning: 'The admin tokens file (admin.tokensFile) cannot be used: unreadable, not a YAML list, an entry without name or scope, with both or neither of sha256 and tokenFile, a duplicate name or token, or a token file it names that cannot be used (on SIGHUP: the tokens in force stay).', exit: 2 },
  ERR_FORBIDDEN: { subject: 'admin', meaning: 'The token\'s scope does not allow the request: a read token may only read (GET).', http: 403, exit: 2 },
  ERR_ADMIN_TLS: { subject: 'admin', meaning: 'The admin API\'s TLS files (admin.tls) cannot be read, are not PEM, or the key does not belong to the certificate (on SIGHUP: the ones in force stay).', exit: 2 },
  WARN_ADMIN_ADDRESS_LOCAL: { subject: 'admin', meaning: 'whoami: the admin API sees a loopback or private address while enforced listeners face the internet, so the gateway judges another address.', warning: true },
  WARN_ADMIN_ADDRESS_BALANCER: { subject: 'admin', meaning: 'whoami: the admin API sees the address of a balancer the gateway\'s listeners trust for PROXY headers, so the gateway judges the address such a header carries.', warning: true },
  ERR_NOT_FOUND: { subject: 'admin', meaning: 'No such endpoint.', http: 404, exit: 2 },
  ERR_METHOD: { subject: 'admin', meaning: 'The HTTP method is not supported on the endpoint; the message lists the ones that are.', http: 405, exit: 2 },
  ERR_QUERY: { subject: 'admin', meaning: 'A query parameter is given twice, or its value is not one it takes (a boolean neither true nor false, a limit that is not a whole number in range).', http: 400, exit: 2 },
  ERR_QUERY_UNKNOWN: { subject: 'admin', meaning: 'A query parameter the endpoint does not take, with the closest one it does.', http: 400, exit: 2 },
  ERR_REQUEST: { subject: 'admin', meaning: 'The request could not be read.', http: 400, exit: 2 },
  ERR_BODY_TOO_LARGE: { subject: 'admin', meaning: 'The request body exceeds admin.maxBodyBytes.', http: 413, exit: 2 },
  ERR_BODY_TIMEOUT: { subject: 'admin', meaning: 'The request body did not arrive within admin.bodyTimeoutMs.', http: 408, exit: 2 },
  ERR_BODY_ABORTED: { subject: 'admin', meaning: 'The request body ended early (the connection was closed).', http: 400, exit: 2 },
  ERR_BODY_JSON: { subject: 'admin', meaning: 'The request body is not valid JSON.', http: 400, exit: 2 },
  ERR_BODY_DUPLICATE_KEY: { subject: 'admin', meaning: 'The request body has a key twice in one object.', http: 400, exit: 2 },
  ERR_BODY_SHAPE: { subject: 'admin', meaning: 'The request body does not have the expected shape; each problem is listed.', http: 400, exit: 2 },
  ERR_BODY_UNKNOWN_KEY: { subject: 'admin', meaning: 'An unknown key in the request body (listed under ERR_BODY_SHAPE).', http: 400, exit: 2 },
  ERR_PATCH_EMPTY: { subject: 'admin', meaning: 'A PATCH has no entries to add or remove.', http: 400, exit: 2 },
  ERR_PATCH_INVALID: { subject: 'admin', meaning: 'A PATCH has bad entries; each is listed with its own code and nothing was changed.', http: 400, exit: 2 },
  ERR_PATCH_DISABLES: { subject: 'admin', meaning: 'A PATCH would remove every authorized range, which would allow every source (`ipgate ranges disable` does that on purpose).', http: 400, exit: 2 },
  ERR_ENTRY: { subject: 'admin', meaning: 'An entry of a PATCH could not be read.', http: 400, exit: 2 },
  ERR_ENTRY_NOT_FOUND: { subject: 'admin', meaning: 'A PATCH removes an entry that is not in the list.', http: 400, exit: 2 },
  ERR_LOCKOUT: { subject: 'admin', meaning: 'The change would refuse the caller\'s own address, which is allowed now (repeat with force to mean it).', http: 409, exit: 2 },
  ERR_WRITE_CONFLICT: { subject: 'admin', meaning: 'A write without If-Match kept losing to concurrent changes; nothing was changed.', http: 409, exit: 2 },
  ERR_PROFILE_NOT_FOUND: { subject: 'admin', meaning: 'The store holds no profile of that name (or holds only the one this gateway enforces).', http: 404, exit: 2 },

  // The gateway (src/gateway, src/server).
  ERR_LISTEN: { subject: 'gateway', meaning: 'A listener or the admin API cannot listen on its address (in use, not local, not permitted).', exit: 2 },
  ERR_AUDIT_LOG: { subject: 'gateway', meaning: 'The audit log file cannot be opened or written (while running: logged, the old file stays in use).', exit: 2 },

  // The HAProxy data plane (src/dataplane).
  ERR_HAPROXY_NOT_FOUND: { subject: 'haproxy', meaning: 'The HAProxy binary was not found.', exit: 2 },
  ERR_HAPROXY_CONFIG: { subject: 'haproxy', meaning: 'HAProxy refused its configuration (its alerts are in the message).', exit: 2 },
  ERR_HAPROXY_STATE_DIR: { subject: 'haproxy', meaning: 'dataplane.stateDir is too long for HAProxy\'s socket path or contains spaces.', exit: 2 },
  ERR_HAPROXY_MAP_UNKNOWN: { subject: 'haproxy', meaning: 'The attached HAProxy has no map loaded from the configured map file.', exit: 2 },
  ERR_HAPROXY_SOCKET: { subject: 'haproxy', meaning: 'HAProxy\'s runtime API cannot be reached; the change is stored, HAProxy keeps its last list.', http: 502, exit: 2 },
  ERR_HAPROXY_TIMEOUT: { subject: 'haproxy', meaning: 'HAProxy\'s runtime API did not answer in time; the change is stored, HAProxy keeps its last list.', http: 502, exit: 2 },
  ERR_HAPROXY_REFUSED: { subject: 'haproxy', meaning: 'HAProxy refused a runtime API command; the change is stored, HAProxy keeps its last list.', http: 502, exit: 2 },
  ERR_HAPROXY_EMPTY_LIST: { subject: 'haproxy', meaning: 'An empty list was about to be pushed to HAProxy\'s map, and was not.', http: 502, exit: 2 },
  ERR_HAPROXY_SWAP: { subject: 'haproxy', meaning: 'Swapping HAProxy\'s map failed for a reason without its own code; HAProxy keeps its last list.', http: 502, exit: 2 },
  ERR_HAPROXY_NOT_APPLIED: { subject: 'haproxy', meaning: 'The change is stored but HAProxy does not enforce it yet (it is retried).', http: 502, exit: 2 },
  ERR_DATAPLANE: { subject: 'haproxy', meaning: 'The change is stored but the data plane failed to take it, for a reason without its own code.', http: 502, exit: 2 },

  // The nftables data plane (src/nftables): the kernel enforces, ipgate keeps table inet ipgate.
  ERR_NFT_UNAVAILABLE: { subject: 'nftables', meaning: 'nft cannot be run (not installed, not at dataplane.binary), may not change the ruleset (not root, no CAP_NET_ADMIN), or the kernel has no nf_tables; the message says which and how to fix it. While running the kernel keeps the last list.', http: 502, exit: 2 },
  ERR_NFT_REFUSED: { subject: 'nftables', meaning: 'nft refused a change to table inet ipgate (its own message is quoted); nothing changed, the kernel keeps the last list, and the change is retried.', http: 502, exit: 2 },
  ERR_NFT_DRIFT: { subject: 'nftables', meaning: 'table inet ipgate read back differs from what ipgate wrote (a set or rule changed by hand, the table deleted); logged, counted and repaired by writing the whole table again.', http: 502, exit: 2 },

  // Range sources (src/sources).
  ERR_SOURCE_UNKNOWN: { subject: 'sources', meaning: 'A reference names a source that is not configured.', http: 400, exit: 2, findingIn: ['sources show'] },
  ERR_SELECTOR_UNKNOWN: { subject: 'sources', meaning: 'A reference\'s selector is not in the source\'s data; close matches are suggested.', http: 400, exit: 2, findingIn: ['sources show'] },
  ERR_SOURCE_UNAVAILABLE: { subject: 'sources', meaning: 'A referenced source has no data yet (never fetched, no cache).', http: 400, exit: 2, findingIn: ['sources show'] },
  ERR_REFERENCE_EMPTY: { subject: 'sources', meaning: 'A reference selects no prefixes.', http: 400, exit: 2, findingIn: ['sources show'] },
  ERR_SOURCE_FETCH: { subject: 'sources', meaning: 'A source cannot be downloaded or read (HTTP error, timeout, size limit, unreadable file); its last good data stays.', findingIn: ['sources sync'] },
  ERR_SOURCE_PARSE: { subject: 'sources', meaning: 'A source\'s data is not what its type publishes; its last good data stays.', findingIn: ['sources sync'] },
  ERR_SERVICE_TAG_NO_SOURCE: { subject: 'sources', meaning: 'An entry is an Azure service tag (`AzureDevOps`), but no azure-service-tags source is configured to resolve it; the suggestion is the source to add.', http: 400, exit: 2 },
  ERR_REFERENCE_FIELD: { subject: 'sources', meaning: 'A reference stands in the wrong list: Kubernetes discovery (`k8s:nodes/ExternalIP`) belongs in egressIpRanges, provider ranges and service tags in authorizedIpRanges.', http: 400, exit: 2 },
  ERR_KUBECONFIG_INVALID: { subject: 'sources', meaning: 'A kubernetes source cannot connect: its kubeconfig (or in-cluster service account) is missing, unreadable, incomplete or uses a credential plugin; its last good data stays.', findingIn: ['sources sync'] },
  ERR_DURATION: { subject: 'sources', meaning: 'A duration (a source\'s refresh) is not a number and a unit (d, h, m, s), or is shorter than 1s.', exit: 2 },

  // The access planner (src/planner).
  ERR_TOPOLOGY_INVALID: { subject: 'planner', meaning: 'The topology has problems; each is listed with its own code and key path.', exit: 2 },
  ERR_TOPOLOGY_YAML: { subject: 'planner', meaning: 'The topology is not valid YAML; the line and column are named.', exit: 2 },
  ERR_TOPOLOGY_UNKNOWN_KEY: { subject: 'planner', meaning: 'An unknown key, with the closest known one.', exit: 2 },
  ERR_TOPOLOGY_MISSING_KEY: { subject: 'planner', meaning: 'A required key is missing.', exit: 2 },
  ERR_TOPOLOGY_TYPE: { subject: 'planner', meaning: 'A value has the wrong type.', exit: 2 },
  ERR_TOPOLOGY_VALUE: { subject: 'planner', meaning: 'A value is not one of those allowed.', exit: 2 },
  ERR_TOPOLOGY_UNKNOWN_NETWORK: { subject: 'planner', meaning: 'A network name that is not declared, with the closest declared one.', exit: 2 },
  ERR_TOPOLOGY_DUPLICATE_NAME: { subject: 'planner', meaning: 'A network or client name is used twice.', exit: 2 },
  ERR_TOPOLOGY_EMPTY: { subject: 'planner', meaning: 'A network has no address range.', exit: 2 },
  ERR_TOPOLOGY_OVERLAP: { subject: 'planner', meaning: 'Two address spaces (networks, VPN pools, on-premises prefixes) overlap.', exit: 2 },
  ERR_TOPOLOGY_INTERNAL_IP: { subject: 'planner', meaning: 'The API server\'s internal IP is not inside its VNet integration network.', exit: 2 },
  ERR_TOPOLOGY_SELF_PEERING: { subject: 'planner', meaning: 'A network is peered with itself.', exit: 2 },
  ERR_TOPOLOGY_DUPLICATE_PEERING: { subject: 'planner', meaning: 'The same peering is declared twice.', exit: 2 },
  ERR_TOPOLOGY_NO_NETWORK: { subject: 'planner', meaning: 'A client does not say how it connects (a network, a VPN, or the internet).', exit: 2 },
  ERR_TOPOLOGY_VIA: { subject: 'planner', meaning: 'A client\'s connection (`via`) is unknown or mixes network and vpn.', exit: 2 },
  ERR_TOPOLOGY_NO_GATEWAY: { subject: 'planner', meaning: 'A VPN client names a network without a VPN gateway, or one without the pool or prefixes its kind needs.', exit: 2 },
  ERR_TOPOLOGY_SOURCES: { subject: 'planner', meaning: 'sourceIpRanges is given for a client in a network, or missing for an internet client.', exit: 2 },
  ERR_TOPOLOGY_DNS: { subject: 'planner', meaning: 'A client resolves the API server internally, but the API server has no internal IP.', exit: 2 },

  // The command line (src/cli).
  ERR_USAGE: { subject: 'cli', meaning: 'A command, flag or argument is missing, unknown or malformed (the admin API: `explain` without ?ip=).', http: 400, exit: 2 },
  ERR_FILE_READ: { subject: 'cli', meaning: 'A file named on the command line (a range list, a topology) cannot be read.', exit: 2 },
  ERR_LIST_INVALID: { subject: 'cli', meaning: 'A range list has invalid entries; each is listed with its line and code.', exit: 2 },
  ERR_LIST_JSON: { subject: 'cli', meaning: 'A range list starts with `[` but is not a JSON array of strings (the form `az aks show --query ...` prints).', exit: 2 },
  ERR_SERVER_URL: { subject: 'cli', meaning: '--server is not an http:// or https:// URL.', exit: 2 },
  ERR_SERVER_UNREACHABLE: { subject: 'cli', meaning: 'The gateway\'s admin API cannot be reached.', exit: 2 },
  ERR_SERVER_TIMEOUT: { subject: 'cli', meaning: 'The gateway did not answer within --timeout.', exit: 2 },
  ERR_SERVER_TLS: { subject: 'cli', meaning: 'The TLS connection to the admin API failed: its certificate is not trusted (--cacert), does not name the host, or it requires a client certificate (--cert, --key).', exit: 2 },
  ERR_CONTEXT: { subject: 'cli', meaning: 'The context chosen (--context, IPGATE_CONTEXT or the current context) is not in the contexts file.', exit: 2 },
  ERR_CONTEXT_FILE: { subject: 'cli', meaning: 'The contexts file (~/.config/ipgate/config.yaml) cannot be read or written, or is not valid.', exit: 2 },
  ERR_MINE_ADDRESS: { subject: 'cli', meaning: 'ranges add --mine: the address the admin API sees is not the one the gateway would judge (loopback or private while listeners face the internet, or a balancer), so it is not added.', exit: 2 },
  ERR_SERVER_ANSWER: { subject: 'cli', meaning: 'The gateway sent an answer the CLI cannot read (not JSON of the expected shape, or an error without a code; the HTTP status is in the message).', exit: 2 },

  // Anywhere.
  ERR_INTERNAL: { subject: 'general', meaning: 'An internal failure, not a user mistake: shown in full so it can be reported.', http: 500, exit: 70 },
} as const satisfies Record<string, CodeInfo>;

/** Every code ipgate reports (warnings included). */
export type ErrorCode = keyof typeof TABLE;

export const ERROR_CATALOGUE: Readonly<Record<ErrorCode, CodeInfo>> = TABLE;

/** The codes in catalogue order. */
export const ERROR_CODES = Object.keys(TABLE) as ErrorCode[];

/**
 * The admin API's status for an answer caused by `code`. A code without one is not an answer of the admin
 * API; should it still reach one, the request's input is taken to be the cause (400).
 */
export function httpStatus(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].http ?? 400;
}

/** Whether `code` is a warning (reported, refuses nothing). */
export function isWarning(code: ErrorCode): boolean {
  return ERROR_CATALOGUE[code].warning === true;
}

/** Whether a string (e.g. read from a file or the wire) is one of ipgate's codes. */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(TABLE, value);
}
