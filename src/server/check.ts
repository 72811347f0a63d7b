/**
 * `ipgate serve --check` (as `nginx -t`): everything `ipgate serve --config FILE` would refuse at start,
 * found without starting: the config (every problem at once), the admin token file (or tokens file), the admin
 * API's TLS files and the etcd TLS files
 * (read even when the rest of the config is invalid), the store (reachable, holding a valid profile or
 * seeded by the config) and, in HAProxy managed mode, the rendered HAProxy config through `haproxy -c` (with
 * nftables, that nft runs). It never dials the upstream and never binds a port.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { access, constants, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readTlsMaterial } from '../admin/tls-material.js';
import { readTokensFile } from '../admin/tokens-file.js';
import { parseConfigYaml } from '../config/load.js';
import { ConfigError } from '../config/problems.js';
import type { GatewayConfig } from '../config/types.js';
import { validateConfig } from '../config/validate.js';
import { allowMapEntries, allowMapText } from '../dataplane/allow-map.js';
import { checkStateDir } from '../dataplane/haproxy-dataplane.js';
import { renderHaproxyConfig } from '../dataplane/haproxy-config.js';
import { checkConfig } from '../dataplane/haproxy-process.js';
import { NftCli } from '../nftables/nft.js';
import { CodedError, IpgateError } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';
import { readTokenFile } from '../fs/token-file.js';
import type { Profile } from '../policy/profile.js';
import type { ProfileCheck } from '../policy/validate.js';
import { profileCheckFor } from '../sources/profile-check.js';
import { decodeJson, decodeProfile } from '../store/codec.js';
import { etcdErrorText } from '../store/etcd-error-text.js';
import { createdKey, profileKey } from '../store/etcd-keys.js';

export interface CheckProblem {
  /** What it is about: a key path of the config, a file, the store. */
  readonly where: string;
  readonly code: string;
  readonly message: string;
  readonly suggestion?: string;
}

export interface CheckResult {
  readonly problems: readonly CheckProblem[];
  readonly warnings: readonly string[];
  /** One line describing what was checked (meaningful when there is no problem). */
  readonly summary: string;
}

export interface CheckOptions {
  /** Deadline of the etcd read (default 3000 ms). */
  readonly etcdTimeoutMs?: number;
}

function problemOf(where: string, error: unknown): CheckProblem {
  if (error instanceof CodedError) return { where, code: error.code, message: error.message, ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }) };
  return { where, code: 'ERR_INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The admin token (or tokens) file, the admin and etcd TLS files named in a document, checked whether or not the rest is valid. */
async function fileProblems(document: unknown, baseDir: string, warnings: string[]): Promise<CheckProblem[]> {
  const problems: CheckProblem[] = [];
  const path = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? (isAbsolute(value) ? value : resolve(baseDir, value)) : undefined);
  const tokenFile = path(record(record(document)?.['admin'])?.['tokenFile']);
  if (tokenFile !== undefined) {
    try {
      const token = readTokenFile(tokenFile, { minLength: 16, what: 'admin token file' });
      if (token.readableByOthers) warnings.push(`admin.tokenFile: ${tokenFile} may be read by other users; chmod 600 it`);
    } catch (error) {
      problems.push(problemOf('admin.tokenFile', error));
    }
  }
  const admin = record(record(document)?.['admin']);
  const tokensFile = path(admin?.['tokensFile']);
  if (tokensFile !== undefined) {
    try {
      for (const open of readTokensFile(tokensFile).readableByOthers) warnings.push(`admin.tokensFile: the token file of "${open.name}" (${open.file}) may be read by other users; chmod 600 it`);
    } catch (error) {
      problems.push(problemOf('admin.tokensFile', error));
    }
  }
  const adminTls = record(admin?.['tls']);
  const certFile = path(adminTls?.['certFile']);
  const keyFile = path(adminTls?.['keyFile']);
  const clientCaFile = path(adminTls?.['clientCaFile']);
  if (certFile !== undefined && keyFile !== undefined) {
    try {
      readTlsMaterial({ certFile, keyFile, ...(clientCaFile === undefined ? {} : { clientCaFile }) });
    } catch (error) {
      problems.push(problemOf('admin.tls', error));
    }
  }
  const etcd = record(record(record(document)?.['store'])?.['etcd']);
  const tls: [string, 'cert' | 'key'][] = [['caFile', 'cert'], ['certFile', 'cert'], ['keyFile', 'key']];
  for (const [key, kind] of tls) {
    const file = path(etcd?.[key]);
    if (file === undefined) continue;
    try {
      const pem = await readFile(file);
      try {
        if (kind === 'cert') new X509Certificate(pem);
        else createPrivateKey(pem);
      } catch (error) {
        throw new IpgateError('ERR_ETCD_TLS', `The etcd ${key} "${file}" is not a PEM ${kind === 'cert' ? 'certificate' : 'private key'}: ${error instanceof Error ? error.message : String(error)}`, { input: file });
      }
    } catch (error) {
      problems.push(problemOf(`store.etcd.${key}`, error instanceof CodedError ? error : new IpgateError('ERR_ETCD_TLS', `Cannot read the etcd ${key} "${file}": ${describeFileError(error)}`, { input: file })));
    }
  }
  return problems;
}

function describeProfile(profile: Profile): string {
  return profile.authorizedIpRanges.length === 0
    ? `DISABLED (every source is allowed), ${profile.egressIpRanges.length} egress`
    : `${profile.authorizedIpRanges.length} authorized, ${profile.egressIpRanges.length} egress`;
}

/** The store: reachable, holding a valid profile (or one the config seeds). Resolves to a description. */
async function storeCheck(config: GatewayConfig, check: ProfileCheck | undefined, options: CheckOptions): Promise<{ text: string; profile?: Profile; problems: CheckProblem[] }> {
  if (config.etcd !== undefined) {
    const etcd = config.etcd;
    const key = profileKey(etcd.prefix, etcd.profile);
    const where = `store.etcd (${etcd.endpoints.join(',')})`;
    let client;
    try {
      // Loaded only when etcd is configured: the etcd client (gRPC) takes a second or more to load.
      const { createEtcdClient } = await import('../store/etcd-client.js');
      client = await createEtcdClient({ ...etcd, timeoutMs: options.etcdTimeoutMs ?? 3000 });
    } catch (error) {
      return { text: where, problems: [problemOf(where, error)] };
    }
    try {
      const response = await client.get(key).exec();
      const kv = response.kvs[0];
      if (kv === undefined) {
        const existed = (await client.get(createdKey(etcd.prefix, etcd.profile)).exec()).kvs.length > 0;
        if (config.profile !== undefined && !existed) return { text: `etcd key ${key} (absent: the config's profile will seed it, ${describeProfile(config.profile)})`, profile: config.profile, problems: [] };
        const why = existed ? 'was deleted (a profile that existed is never re-created from the config\'s seed)' : 'does not exist and the config has no profile to seed it';
        return { text: where, problems: [{ where, code: 'ERR_STORE_MISSING', message: `etcd key ${key} ${why}`, suggestion: `write the profile, e.g. 'ipgate ranges set ... --profile ${etcd.profile}' through a running instance` }] };
      }
      const revision = String(kv.mod_revision);
      try {
        const profile = decodeJson(kv.value.toString('utf8'), `etcd key ${key} (revision ${revision})`, check);
        return { text: `etcd key ${key} revision ${revision} (${describeProfile(profile)})`, profile, problems: [] };
      } catch (error) {
        return { text: where, problems: [problemOf(where, error)] };
      }
    } catch (error) {
      const detail = etcdErrorText(error instanceof Error ? error.message : String(error));
      return { text: where, problems: [{ where, code: 'ERR_STORE_UNAVAILABLE', message: `etcd cannot be reached (${detail})`, suggestion: 'check store.etcd.endpoints and that etcd runs' }] };
    } finally {
      client.close();
    }
  }
  if (config.store !== undefined) {
    const file = config.store.file;
    const problems: CheckProblem[] = [];
    try {
      await access(dirname(file), constants.W_OK);
    } catch (error) {
      problems.push({ where: 'store.file', code: 'ERR_STORE_READ', message: `The store file's directory "${dirname(file)}" is not writable: ${describeFileError(error)} (writes are atomic: a temporary file beside it, then a rename)`, suggestion: 'create the directory, owned by the user ipgate runs as' });
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && config.profile !== undefined) {
        return { text: `file ${file} (absent: the config's profile will seed it, ${describeProfile(config.profile)})`, profile: config.profile, problems };
      }
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      problems.push({ where: 'store.file', code: 'ERR_STORE_READ', message: missing ? `Store file "${file}" does not exist` : `Cannot read store file "${file}": ${describeFileError(error)}`, ...(missing ? { suggestion: 'create it, or give a "profile" in the config to seed it' } : {}) });
      return { text: `file ${file}`, problems };
    }
    try {
      const profile = decodeProfile(config.store.format, text, `store file ${file}`, check);
      return { text: `file ${file} (${describeProfile(profile)})`, profile, problems };
    } catch (error) {
      problems.push(problemOf('store.file', error));
      return { text: `file ${file}`, problems };
    }
  }
  const profile = config.profile;
  return profile === undefined ? { text: 'none', problems: [] } : { text: `the config's profile in memory (${describeProfile(profile)})`, profile, problems: [] };
}

/** HAProxy managed mode: its config rendered in a temporary directory and checked with `haproxy -c`. */
async function haproxyCheck(config: GatewayConfig, profile: Profile | undefined): Promise<CheckProblem[]> {
  const dataplane = config.dataplane;
  const upstream = config.upstream;
  if (dataplane?.type !== 'haproxy' || dataplane.mode !== 'managed' || upstream === undefined) return [];
  try {
    checkStateDir(dataplane.stateDir);
  } catch (error) {
    return [problemOf('dataplane.stateDir', error)];
  }
  const dir = await mkdtemp(join(tmpdir(), 'ipgate-check-'));
  try {
    const mapFile = join(dir, 'allow.map');
    const trustedFile = (listener: string): string => join(dir, `trusted-${listener}.map`);
    await writeFile(mapFile, allowMapText(allowMapEntries(profile ?? { authorizedIpRanges: ['0.0.0.0/32'], egressIpRanges: [] }), 'ipgate serve --check'));
    for (const l of config.listeners) {
      if (l.proxyProtocol === undefined) continue;
      await writeFile(trustedFile(l.name), allowMapText(allowMapEntries({ authorizedIpRanges: [...l.proxyProtocol.trustedFrom], egressIpRanges: [] }), 'trusted peers'));
    }
    const file = join(dir, 'haproxy.cfg');
    await writeFile(
      file,
      renderHaproxyConfig({
        listeners: config.listeners,
        upstream,
        upstreamConnectTimeoutMs: config.upstreamConnectTimeoutMs,
        socketPath: join(dataplane.stateDir, 'haproxy.sock'),
        mapFile,
        trustedFile,
        ...(dataplane.threads === undefined ? {} : { threads: dataplane.threads }),
      }),
    );
    await checkConfig(dataplane.binary, file);
    return [];
  } catch (error) {
    return [problemOf('dataplane', error)];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** nftables: the nft program runs (`nft --version` needs no privilege; the rules are the kernel's to judge). */
async function nftCheck(config: GatewayConfig): Promise<{ problems: CheckProblem[]; version: string }> {
  const dataplane = config.dataplane;
  if (dataplane?.type !== 'nftables') return { problems: [], version: '' };
  try {
    const result = await new NftCli(dataplane.binary).run(['--version']);
    if (result.code !== 0) return { problems: [problemOf('dataplane.binary', new NftCli(dataplane.binary).failure(result, 'could not run'))], version: '' };
    return { problems: [], version: result.stdout.trim() };
  } catch (error) {
    return { problems: [problemOf('dataplane.binary', error)], version: '' };
  }
}

export async function checkServeConfig(file: string, options: CheckOptions = {}): Promise<CheckResult> {
  const warnings: string[] = [];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { problems: [{ where: file, code: 'ERR_CONFIG_READ', message: `Cannot read config file "${file}": ${describeFileError(error)}` }], warnings, summary: '' };
  }
  const baseDir = dirname(resolve(file));
  let document: unknown;
  try {
    document = parseConfigYaml(text, file);
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems.map((p) => ({ where: p.path === '' ? file : p.path, code: p.code, message: p.message })) : [problemOf(file, error)];
    return { problems, warnings, summary: '' };
  }
  const problems: CheckProblem[] = [];
  let config: GatewayConfig | undefined;
  try {
    config = validateConfig(document, file, baseDir);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const p of error.problems) problems.push({ where: p.path === '' ? '(document)' : p.path, code: p.code, message: p.message, ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }) });
    } else {
      problems.push(problemOf(file, error));
    }
  }
  const files = await fileProblems(document, baseDir, warnings);
  problems.push(...files);
  if (config === undefined || files.some((p) => p.where.startsWith('store.'))) return { problems, warnings, summary: '' };
  const check = config.sources === undefined ? undefined : profileCheckFor(config.sources);
  const store = await storeCheck(config, check, options);
  problems.push(...store.problems);
  problems.push(...(await haproxyCheck(config, store.profile)));
  const nft = await nftCheck(config);
  problems.push(...nft.problems);
  const listeners = config.listeners.map((l) => `${l.name} ${l.address.text}${l.enforce ? '' : ' (not enforced)'}`).join(', ');
  const dataplane = config.dataplane;
  const plane =
    dataplane === undefined ? '' : dataplane.type === 'nftables' ? `; nftables (${nft.version}; the rules are checked by the kernel when applied)` : `; HAProxy ${dataplane.mode}${dataplane.mode === 'managed' ? ' (haproxy -c passed)' : ''}`;
  const target = config.upstream === undefined ? 'kernel rules, no proxy' : `upstream ${config.upstream.text}`;
  const summary = `config ${file} is valid: listeners ${listeners} -> ${target}; admin API ${config.admin === undefined ? 'off' : config.admin.address.text}; store ${store.text}${plane}`;
  return { problems, warnings, summary };
}
