/**
 * Turns a parsed YAML document into a GatewayConfig, or a ConfigError listing every problem with its key
 * path. Pure: file paths are resolved against `baseDir`, nothing is read.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseRange } from '../cidr/parse.js';
import { IpgateError } from '../errors.js';
import { validateProfile } from '../policy/validate.js';
import { referenceCheck, type SourceIdentity } from '../sources/profile-check.js';
import { SOURCE_TYPES } from '../sources/types.js';
import { parseEndpoint, type EndpointOptions } from './address.js';
import { etcdStoreConfig, storeProblems } from './etcd-config.js';
import { dataplaneConfig, dataplaneProblems } from './dataplane.js';
import { ConfigError, type ConfigProblem } from './problems.js';
import { zodProblems } from './zod-problems.js';
import { configSchema, DEFAULT_PROXY_TIMEOUT_MS, KNOWN_KEYS, type RawConfig } from './schema.js';
import type { AdminConfig, GatewayConfig, ListenerConfig, ProfileConfig, ProxyProtocolConfig } from './types.js';

function problemOf(path: string, error: unknown): ConfigProblem {
  if (error instanceof IpgateError) {
    return { path, code: error.code, message: error.message, ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }) };
  }
  return { path, code: 'ERR_CONFIG_VALUE', message: String(error) };
}

function absolute(baseDir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(baseDir, file);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

/** The sources a document declares (well-formed items only), for checking the profile's references. */
function declaredSources(value: unknown): SourceIdentity[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const r = record(item);
    const name = r?.['name'];
    const type = SOURCE_TYPES.find((t) => t === r?.['type']);
    return typeof name === 'string' && type !== undefined ? [{ name, type }] : [];
  });
}

/** Each `trustedFrom` entry of a `proxyProtocol` section is a range. */
function trustedFromProblems(path: string, section: unknown, problems: ConfigProblem[]): void {
  strings(record(section)?.['trustedFrom'])?.forEach((entry, j) => {
    try {
      parseRange(entry);
    } catch (error) {
      problems.push(problemOf(`${path}.trustedFrom[${j}]`, error));
    }
  });
}

/** The admin API's credentials: exactly one of `tokenFile` (one token) and `tokensFile` (named tokens). */
function adminTokenProblems(admin: Record<string, unknown>): ConfigProblem[] {
  const single = admin['tokenFile'] !== undefined;
  const named = admin['tokensFile'] !== undefined;
  if (single && named) {
    return [{ path: 'admin.tokensFile', code: 'ERR_CONFIG_VALUE', message: 'admin.tokenFile and admin.tokensFile exclude each other: give one (the single token of tokenFile is the write token named "default")' }];
  }
  if (!single && !named) {
    return [{ path: 'admin.tokenFile', code: 'ERR_CONFIG_MISSING_KEY', message: 'the admin API needs credentials: give admin.tokenFile (one token) or admin.tokensFile (named tokens with scopes)' }];
  }
  return [];
}

/**
 * Checks the values inside a document (addresses, ranges, the profile rules), on whatever parts are
 * well-formed, so a document with both shape and value problems gets them all reported at once.
 */
function valueProblems(document: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const top = record(document) ?? {};
  const endpoint = (path: string, text: unknown, options: EndpointOptions): void => {
    if (typeof text !== 'string') return;
    try {
      parseEndpoint(text, options);
    } catch (error) {
      problems.push(problemOf(path, error));
    }
  };
  endpoint('upstream', top['upstream'], { allowHostname: true });
  const listeners = Array.isArray(top['listeners']) ? (top['listeners'] as unknown[]) : [];
  const names = new Set<string>();
  listeners.forEach((item, i) => {
    const l = record(item) ?? {};
    endpoint(`listeners[${i}].address`, l['address'], { allowPortZero: true });
    const name = l['name'];
    if (typeof name === 'string') {
      if (names.has(name)) problems.push({ path: `listeners[${i}].name`, code: 'ERR_CONFIG_DUPLICATE', message: `listener name "${name}" is used twice` });
      names.add(name);
    }
    trustedFromProblems(`listeners[${i}].proxyProtocol`, l['proxyProtocol'], problems);
  });
  const admin = record(top['admin']);
  endpoint('admin.address', admin?.['address'], { allowPortZero: true });
  if (admin !== undefined) {
    trustedFromProblems('admin.proxyProtocol', admin['proxyProtocol'], problems);
    problems.push(...adminTokenProblems(admin));
  }
  endpoint('metrics.address', record(top['metrics'])?.['address'], { allowPortZero: true });
  const profile = record(top['profile']);
  if (profile !== undefined) {
    // A missing authorizedIpRanges is a schema problem, never read as [] (which means "allow everyone").
    const authorizedIpRanges = strings(profile['authorizedIpRanges']);
    const egressIpRanges = strings(profile['egressIpRanges'] ?? []);
    if (authorizedIpRanges !== undefined && egressIpRanges !== undefined) {
      const reference = referenceCheck(declaredSources(top['sources']));
      for (const p of validateProfile({ authorizedIpRanges, egressIpRanges }, { target: 'ipgate', reference }).problems) {
        const path = p.field === undefined ? 'profile' : `profile.${p.field}${p.index === undefined ? '' : `[${p.index}]`}`;
        problems.push({ path, code: p.code, message: p.message, ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }) });
      }
    }
  }
  problems.push(...storeProblems(top['store']));
  problems.push(...dataplaneProblems(top));
  if (top['store'] === undefined && top['profile'] === undefined) {
    problems.push({ path: 'profile', code: 'ERR_CONFIG_MISSING_KEY', message: 'give a profile or a store (without either there is nothing to enforce)' });
  }
  return problems;
}

function proxyProtocolConfig(raw: { readonly trustedFrom: readonly string[]; readonly timeoutMs?: number | undefined }): ProxyProtocolConfig {
  return { trustedFrom: raw.trustedFrom, timeoutMs: raw.timeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS };
}

/** `upstream` is required, except with the nftables data plane (nothing is proxied: the kernel filters). */
function upstreamProblems(document: unknown): ConfigProblem[] {
  const top = record(document) ?? {};
  if (top['upstream'] !== undefined || record(top['dataplane'])?.['type'] === 'nftables') return [];
  return [{ path: 'upstream', code: 'ERR_CONFIG_MISSING_KEY', message: 'required key is missing' }];
}

function adminConfig(raw: NonNullable<RawConfig['admin']>, baseDir: string): AdminConfig {
  const tls = raw.tls;
  return {
    address: parseEndpoint(raw.address, { allowPortZero: true }),
    ...(raw.tokenFile === undefined ? {} : { tokenFile: absolute(baseDir, raw.tokenFile) }),
    ...(raw.tokensFile === undefined ? {} : { tokensFile: absolute(baseDir, raw.tokensFile) }),
    ...(tls === undefined
      ? {}
      : {
          tls: {
            certFile: absolute(baseDir, tls.certFile),
            keyFile: absolute(baseDir, tls.keyFile),
            ...(tls.clientCaFile === undefined ? {} : { clientCaFile: absolute(baseDir, tls.clientCaFile) }),
          },
        }),
    ...(raw.proxyProtocol === undefined ? {} : { proxyProtocol: proxyProtocolConfig(raw.proxyProtocol) }),
    ...(raw.maxBodyBytes === undefined ? {} : { maxBodyBytes: raw.maxBodyBytes }),
    ...(raw.bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs: raw.bodyTimeoutMs }),
  };
}

/** The keys only the gateway needs: optional in a config read for its profile alone (export, sources). */
const profileOnlySchema = configSchema.partial({ upstream: true, listeners: true });

/** Validates a config document. Throws ConfigError (ERR_CONFIG_INVALID) with every problem. */
export function validateConfig(document: unknown, source: string, baseDir: string): GatewayConfig {
  const config = validateDocument(document, source, baseDir, true);
  // configSchema requires both keys, so they are present here.
  // configSchema requires listeners, and validateDocument requires upstream unless the kernel enforces.
  if (config.listeners === undefined) throw new ConfigError(source, [{ path: 'listeners', code: 'ERR_CONFIG_MISSING_KEY', message: 'required key is missing' }]);
  return { ...config, listeners: config.listeners };
}

/** Like validateConfig for a file read for its profile, store and sources: `upstream`/`listeners` may be absent. */
export function validateProfileConfig(document: unknown, source: string, baseDir: string): ProfileConfig {
  return validateDocument(document, source, baseDir, false);
}

function validateDocument(document: unknown, source: string, baseDir: string, gateway: boolean): ProfileConfig {
  // reportInput: issues carry the offending value, which tells a wrong type from a missing key.
  const parsed = (gateway ? configSchema : profileOnlySchema).safeParse(document ?? {}, { reportInput: true });
  const knownKeys = (path: string): readonly string[] => KNOWN_KEYS[path] ?? [];
  const problems = [...(parsed.success ? [] : zodProblems(parsed.error.issues, knownKeys)), ...valueProblems(document)];
  if (gateway) problems.push(...upstreamProblems(document));
  if (!parsed.success || problems.length > 0) throw new ConfigError(source, problems);
  const raw: Omit<RawConfig, 'upstream' | 'listeners'> & { readonly upstream?: string | undefined; readonly listeners?: RawConfig['listeners'] | undefined } = parsed.data;
  const listeners: ListenerConfig[] | undefined = raw.listeners?.map((l) => ({
    name: l.name,
    address: parseEndpoint(l.address, { allowPortZero: true }),
    enforce: l.enforce,
    ...(l.proxyProtocol === undefined ? {} : { proxyProtocol: proxyProtocolConfig(l.proxyProtocol) }),
  }));
  return {
    source,
    ...(raw.upstream === undefined ? {} : { upstream: parseEndpoint(raw.upstream, { allowHostname: true }) }),
    ...(listeners === undefined ? {} : { listeners }),
    ...(raw.admin === undefined ? {} : { admin: adminConfig(raw.admin, baseDir) }),
    ...(raw.metrics === undefined ? {} : { metrics: { address: parseEndpoint(raw.metrics.address, { allowPortZero: true }) } }),
    ...(raw.store?.file === undefined
      ? {}
      : { store: { file: absolute(baseDir, raw.store.file), format: raw.store.format ?? (/\.json$/i.test(raw.store.file) ? 'json' : 'list') } }),
    ...(raw.store?.etcd === undefined ? {} : { etcd: etcdStoreConfig(raw.store.etcd, raw.store.cacheFile, (f) => absolute(baseDir, f)) }),
    ...(raw.profile === undefined ? {} : { profile: raw.profile }),
    auditLog: raw.auditLog === undefined || raw.auditLog === '-' || raw.auditLog === 'off' ? (raw.auditLog ?? '-') : absolute(baseDir, raw.auditLog),
    revokeExisting: raw.revokeExisting,
    drainTimeoutMs: raw.drainTimeoutMs,
    upstreamConnectTimeoutMs: raw.upstreamConnectTimeoutMs,
    ...(raw.sources === undefined || raw.sources.length === 0
      ? {}
      : {
          sources: raw.sources.map((s) => ({
            ...s,
            ...(s.file === undefined ? {} : { file: absolute(baseDir, s.file) }),
            ...(s.kubeconfig === undefined ? {} : { kubeconfig: absolute(baseDir, s.kubeconfig) }),
          })),
          ...(raw.sourceFetch === undefined ? {} : { sourceFetch: raw.sourceFetch }),
          sourcesCacheDir: resolve(raw.store?.file === undefined ? baseDir : dirname(absolute(baseDir, raw.store.file)), '.ipgate-cache', 'sources'),
        }),
    ...(raw.dataplane === undefined ? {} : { dataplane: dataplaneConfig(raw.dataplane, baseDir) }),
  };
}
