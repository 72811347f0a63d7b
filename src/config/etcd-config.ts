/**
 * The `store` section's shape rules beyond the schema (pure): `file` or `etcd`, not both; `format` goes with
 * `file`, `cacheFile` with `etcd`; etcd endpoints are http(s) URLs; the prefix ends with "/"; the profile
 * name is a plain name; client certificate and key come together.
 */
import { PROFILE_NAME } from '../policy/profile-name.js';
import type { ConfigProblem } from './problems.js';
import type { EtcdStoreConfig } from './types.js';

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function endpointProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL; expected e.g. http://127.0.0.1:2379`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${text}" must use http:// or https://`;
  if (url.port === '') return `"${text}" has no port; etcd clients usually talk to port 2379, e.g. ${url.protocol}//${url.hostname}:2379`;
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.username !== '') return `"${text}" must be just scheme://host:port`;
  return undefined;
}

export function storeProblems(storeValue: unknown): ConfigProblem[] {
  const store = record(storeValue);
  if (store === undefined) return [];
  const problems: ConfigProblem[] = [];
  const hasFile = store['file'] !== undefined;
  const etcd = record(store['etcd']);
  if (hasFile && store['etcd'] !== undefined) {
    problems.push({ path: 'store', code: 'ERR_CONFIG_VALUE', message: 'give either store.file (one instance) or store.etcd (shared by many), not both' });
  }
  if (!hasFile && store['etcd'] === undefined) {
    problems.push({ path: 'store', code: 'ERR_CONFIG_MISSING_KEY', message: 'give store.file (a local file) or store.etcd (shared by many instances)' });
  }
  if (store['format'] !== undefined && !hasFile) problems.push({ path: 'store.format', code: 'ERR_CONFIG_VALUE', message: 'format applies to store.file only' });
  if (store['cacheFile'] !== undefined && store['etcd'] === undefined) {
    problems.push({ path: 'store.cacheFile', code: 'ERR_CONFIG_VALUE', message: 'cacheFile applies to store.etcd only (the file store needs no cache)' });
  }
  if (etcd === undefined) return problems;
  const endpoints = etcd['endpoints'];
  if (Array.isArray(endpoints)) {
    endpoints.forEach((e, i) => {
      if (typeof e !== 'string') return;
      const problem = endpointProblem(e);
      if (problem !== undefined) problems.push({ path: `store.etcd.endpoints[${i}]`, code: 'ERR_CONFIG_VALUE', message: problem });
    });
    const https = endpoints.filter((e) => typeof e === 'string' && e.startsWith('https://')).length;
    if (https > 0 && https < endpoints.length) problems.push({ path: 'store.etcd.endpoints', code: 'ERR_CONFIG_VALUE', message: 'use https:// for every endpoint or for none' });
    if (https > 0 && etcd['caFile'] === undefined) {
      problems.push({ path: 'store.etcd.caFile', code: 'ERR_CONFIG_MISSING_KEY', message: 'https endpoints need caFile (the CA that signed the etcd server certificate)' });
    }
    if (https === 0) {
      for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
        if (etcd[key] === undefined) continue;
        problems.push({ path: `store.etcd.${key}`, code: 'ERR_CONFIG_VALUE', message: `${key} applies to https:// endpoints only: write the endpoints as https://HOST:PORT, or remove ${key}` });
      }
    }
  }
  const prefix = etcd['prefix'];
  if (typeof prefix === 'string' && !/^\/(?:[A-Za-z0-9_.-]+\/)*$/.test(prefix)) {
    problems.push({ path: 'store.etcd.prefix', code: 'ERR_CONFIG_VALUE', message: `prefix "${prefix}" must start and end with "/" (e.g. /ipgate/)`, suggestion: '/ipgate/' });
  }
  const name = etcd['profile'];
  if (typeof name === 'string' && !PROFILE_NAME.test(name)) {
    problems.push({ path: 'store.etcd.profile', code: 'ERR_CONFIG_VALUE', message: `profile name "${name}" must be 1-63 letters, digits, "_", "." or "-"`, suggestion: 'default' });
  }
  if ((etcd['certFile'] === undefined) !== (etcd['keyFile'] === undefined)) {
    problems.push({ path: etcd['certFile'] === undefined ? 'store.etcd.certFile' : 'store.etcd.keyFile', code: 'ERR_CONFIG_MISSING_KEY', message: 'certFile and keyFile go together (the client certificate and its key)' });
  }
  return problems;
}

export interface RawEtcdStore {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly profile: string;
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
}

/** The validated etcd store config, paths made absolute with `absolute`. */
export function etcdStoreConfig(raw: RawEtcdStore, cacheFile: string | undefined, absolute: (file: string) => string): EtcdStoreConfig {
  return {
    endpoints: raw.endpoints.map((e) => e.replace(/\/+$/, '')),
    prefix: raw.prefix,
    profile: raw.profile,
    ...(raw.caFile === undefined ? {} : { caFile: absolute(raw.caFile) }),
    ...(raw.certFile === undefined ? {} : { certFile: absolute(raw.certFile) }),
    ...(raw.keyFile === undefined ? {} : { keyFile: absolute(raw.keyFile) }),
    ...(cacheFile === undefined ? {} : { cacheFile: absolute(cacheFile) }),
  };
}
