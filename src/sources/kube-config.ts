/**
 * How a `kubernetes` source reaches the API server: from a kubeconfig file (its current context, or a named
 * one: the cluster's `server`, its CA as `certificate-authority(-data)`, and the user's bearer `token` /
 * `tokenFile` or client certificate and key), or as a pod with a service account (in-cluster: the
 * KUBERNETES_SERVICE_HOST/PORT environment and /var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt}).
 * Reading the kubeconfig text is pure (kubeconfigSpec); loadConnection reads the files it names. Credential
 * plugins (`exec`, `auth-provider`) are refused with a clear error: the gateway needs a credential that works
 * unattended, a service account token.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { IpgateError } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';
import { parseYaml } from '../text/yaml.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Where the connection's parts come from: inline data, or files read when connecting. */
export interface KubeConnectionSpec {
  readonly server: string;
  readonly caData?: Buffer;
  readonly caFile?: string;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  readonly token?: string;
  /** Re-read before every list and watch (service account tokens are rotated). */
  readonly tokenFile?: string;
  readonly certData?: Buffer;
  readonly certFile?: string;
  readonly keyData?: Buffer;
  readonly keyFile?: string;
  /** In words, for messages: `kubeconfig ./kc (context prod)`, `in-cluster service account`. */
  readonly origin: string;
}

export interface KubeConnection {
  readonly server: URL;
  readonly ca?: Buffer;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  readonly token?: string;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly origin: string;
}

function invalid(origin: string, problem: string, suggestion?: string): IpgateError {
  return new IpgateError('ERR_KUBECONFIG_INVALID', `${origin}: ${problem}`, { input: origin, ...(suggestion === undefined ? {} : { suggestion }) });
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function named(list: unknown, name: string, key: string, origin: string): Record<string, unknown> {
  const items = Array.isArray(list) ? list : [];
  const found = items.map(record).find((item) => item?.['name'] === name);
  const body = record(found?.[key]);
  if (body === undefined) {
    const names = items.map((i) => record(i)?.['name']).filter((n): n is string => typeof n === 'string');
    throw invalid(origin, `no ${key} named "${name}" (it has: ${names.join(', ') || 'none'})`);
  }
  return body;
}

function text(body: Record<string, unknown>, key: string, origin: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalid(origin, `${key} is not a string`);
  return v;
}

function base64(body: Record<string, unknown>, key: string, origin: string): Buffer | undefined {
  const v = text(body, key, origin);
  if (v === undefined) return undefined;
  if (!/^[A-Za-z0-9+/=\s]+$/.test(v)) throw invalid(origin, `${key} is not base64`);
  return Buffer.from(v, 'base64');
}

/** The connection a kubeconfig's context describes (relative file names resolved against the kubeconfig's directory). */
export function kubeconfigSpec(content: string, path: string, context?: string): KubeConnectionSpec {
  const where = `kubeconfig ${path}`;
  const parsed = parseYaml(content);
  if (!parsed.ok) throw invalid(where, `not valid YAML: ${parsed.problems.map((p) => `${p.line === undefined ? '' : `line ${p.line}: `}${p.message}`).join('; ')}`);
  const doc = record(parsed.value);
  if (doc === undefined) throw invalid(where, 'not a kubeconfig (expected a mapping with clusters, users and contexts)');
  const contextName = context ?? (typeof doc['current-context'] === 'string' ? doc['current-context'] : undefined);
  if (contextName === undefined || contextName === '') {
    throw invalid(where, 'has no current-context', 'set current-context in the kubeconfig, or give context: in the source');
  }
  const origin = `${where} (context ${contextName})`;
  const ctx = named(doc['contexts'], contextName, 'context', where);
  const clusterName = text(ctx, 'cluster', origin);
  const userName = text(ctx, 'user', origin);
  if (clusterName === undefined) throw invalid(origin, 'the context names no cluster');
  const cluster = named(doc['clusters'], clusterName, 'cluster', origin);
  const user = userName === undefined ? {} : named(doc['users'], userName, 'user', origin);
  for (const unsupported of ['exec', 'auth-provider', 'username', 'password']) {
    if (user[unsupported] !== undefined) {
      throw invalid(origin, `user "${userName ?? ''}" authenticates with ${unsupported}, which ipgate does not run`,
        'give ipgate a kubeconfig with a service account token (token: or tokenFile:) or a client certificate, or run it in the cluster (inCluster: true)');
    }
  }
  if (cluster['proxy-url'] !== undefined) throw invalid(origin, 'proxy-url is not supported', 'let ipgate reach the API server directly');
  const server = text(cluster, 'server', origin);
  if (server === undefined) throw invalid(origin, `cluster "${clusterName}" has no server`);
  const base = dirname(resolve(path));
  const file = (body: Record<string, unknown>, key: string): string | undefined => {
    const v = text(body, key, origin);
    return v === undefined ? undefined : isAbsolute(v) ? v : resolve(base, v);
  };
  const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: V }));
  return {
    server,
    origin,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    ...optional('caData', base64(cluster, 'certificate-authority-data', origin)),
    ...optional('caFile', file(cluster, 'certificate-authority')),
    ...optional('tlsServerName', text(cluster, 'tls-server-name', origin)),
    ...optional('token', text(user, 'token', origin)),
    ...optional('tokenFile', file(user, 'tokenFile')),
    ...optional('certData', base64(user, 'client-certificate-data', origin)),
    ...optional('certFile', file(user, 'client-certificate')),
    ...optional('keyData', base64(user, 'client-key-data', origin)),
    ...optional('keyFile', file(user, 'client-key')),
  };
}

/** The connection of a pod's service account (env: KUBERNETES_SERVICE_HOST and _PORT). */
export function inClusterSpec(env: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): KubeConnectionSpec {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  const origin = 'in-cluster service account';
  if (host === undefined || host === '' || port === undefined || port === '') {
    throw invalid(origin, 'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: ipgate is not running in a pod',
      'run ipgate in the cluster, or give the source a kubeconfig: instead of inCluster: true');
  }
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    caFile: resolve(dir, 'ca.crt'),
    tokenFile: resolve(dir, 'token'),
    insecureSkipTlsVerify: false,
    origin,
  };
}

async function readPart(path: string, what: string, origin: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw invalid(origin, `cannot read the ${what} ${path} (${describeFileError(error)})`);
  }
}

/** Reads the files a spec names (CA, token, client certificate and key); checks the pairing. */
export async function loadConnection(spec: KubeConnectionSpec): Promise<KubeConnection> {
  let server: URL;
  try {
    server = new URL(spec.server);
  } catch {
    throw invalid(spec.origin, `server ${JSON.stringify(spec.server)} is not a URL`);
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') throw invalid(spec.origin, `server ${spec.server} is not an https:// URL`);
  const ca = spec.caData ?? (spec.caFile === undefined ? undefined : await readPart(spec.caFile, 'certificate authority', spec.origin));
  const cert = spec.certData ?? (spec.certFile === undefined ? undefined : await readPart(spec.certFile, 'client certificate', spec.origin));
  const key = spec.keyData ?? (spec.keyFile === undefined ? undefined : await readPart(spec.keyFile, 'client key', spec.origin));
  if ((cert === undefined) !== (key === undefined)) throw invalid(spec.origin, 'a client certificate needs its key (and a key its certificate)');
  const token = spec.token ?? (spec.tokenFile === undefined ? undefined : (await readPart(spec.tokenFile, 'token file', spec.origin)).toString('utf8').trim());
  if (token === undefined && cert === undefined) {
    throw invalid(spec.origin, 'has no credential (a token, a token file or a client certificate)', 'use a service account token: kubectl create token SERVICE_ACCOUNT');
  }
  return {
    server, insecureSkipTlsVerify: spec.insecureSkipTlsVerify, origin: spec.origin,
    ...(ca === undefined ? {} : { ca }), ...(spec.tlsServerName === undefined ? {} : { tlsServerName: spec.tlsServerName }),
    ...(token === undefined ? {} : { token }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }),
  };
}
