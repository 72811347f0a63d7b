/**
 * The admin API client used by the CLI's server-mode commands (`ranges show|set|add|remove|disable`,
 * `whoami`, `explain`, `refusals`, `sources`). Where the gateway is comes from the flags, then the
 * environment (IPGATE_SERVER, IPGATE_TOKEN_FILE), then the context (./contexts.ts). One request function:
 * bearer token, JSON in and out, HTTPS with a chosen CA and client certificate, a timeout, and every failure
 * turned into an error carrying a code: a refusal keeps the server's own code (ERR_LOCKOUT,
 * ERR_PRECONDITION, ...), anything else is one of the CLI's (ERR_SERVER_UNREACHABLE, ERR_SERVER_TLS, ...).
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CodedError, IpgateError, type IpgateErrorOptions } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';
import { readTokenFile } from '../fs/token-file.js';
import { contextPath, contextsFile, findContext, readContexts, type ContextEntry, type Contexts } from './contexts.js';
import { profileWithInfo } from '../policy/entry-info.js';
import type { EntryInfo, Profile } from '../policy/profile.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

/** PEM files for HTTPS: the CA that signed the admin API's certificate, and a client certificate and key. */
export interface ClientTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export interface ServerTarget {
  /** Base URL of the admin API, e.g. `http://127.0.0.1:9090`. */
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMs: number;
  /** A named profile of a gateway whose store holds several (etcd): `--profile NAME`. */
  readonly profile?: string;
  readonly tls?: ClientTls;
  /** Where the server came from, for messages: `--server`, `IPGATE_SERVER`, `context "prod" in FILE`. */
  readonly origin?: string;
}

/** The admin API path of the profile the CLI works on: `/v1/profile`, or `/v1/profiles/NAME` for a named one. */
export function profilePath(target: ServerTarget): string {
  return target.profile === undefined ? '/v1/profile' : `/v1/profiles/${encodeURIComponent(target.profile)}`;
}

export interface AdminResponse {
  readonly status: number;
  readonly etag: string | undefined;
  readonly body: unknown;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | undefined>>;
}

/**
 * A gateway's refusal as the CLI received it. Its code is the server's, data from the wire (a gateway of
 * another version may send one this CLI does not know), so it is a string, not an ErrorCode.
 */
export class ServerError extends CodedError {
  readonly code: string;

  constructor(code: string, readonly status: number, message: string, options: IpgateErrorOptions = {}) {
    super(message, options);
    this.name = 'ServerError';
    this.code = code;
  }
}

/** One problem with one entry, as the server reports it under `errors` (codes as received). */
export interface EntryProblem {
  readonly entry: string;
  readonly code: string;
  readonly message?: string;
  readonly suggestion?: string;
}

/**
 * Normalises what a user typed for --server: `http(s)://host:port[/prefix]`, or a bare `host:port`
 * (taken as http://).
 */
export function parseServerUrl(raw: string): string {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new IpgateError('ERR_SERVER_URL', `--server "${raw}" is not a URL; expected e.g. http://127.0.0.1:9090`, {
      input: raw,
      suggestion: 'http://127.0.0.1:9090',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IpgateError('ERR_SERVER_URL', `--server "${raw}" must use http:// or https://`, { input: raw });
  }
  return url.href.replace(/\/+$/, '');
}

/** Reads the bearer token the CLI sends (any non-empty token without whitespace; see src/fs/token-file.ts). */
export function readClientToken(path: string): string {
  return readTokenFile(path, { minLength: 1 }).token;
}

/** The flags (and their environment fallbacks) of a command that talks to a gateway. */
export interface ServerFlags {
  readonly server?: string | undefined;
  readonly 'token-file'?: string | undefined;
  readonly timeout?: string | undefined;
  readonly context?: string | undefined;
  readonly cacert?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/** The context in use: --context, IPGATE_CONTEXT, or the file's current context (none without a file). */
function chosenContext(flags: ServerFlags, env: NodeJS.ProcessEnv): { contexts: Contexts; entry: ContextEntry; label: string } | undefined {
  const file = contextsFile(env);
  const contexts = readContexts(file);
  const asked = flags.context;
  if (asked !== undefined) {
    const by = env['IPGATE_CONTEXT'] === asked ? '--context or IPGATE_CONTEXT' : '--context';
    if (contexts === undefined) {
      throw new IpgateError('ERR_CONTEXT', `context "${asked}" (${by}) cannot be used: there is no contexts file ${file}`, {
        input: asked,
        suggestion: `ipgate context set ${asked} --server URL --token-file FILE`,
      });
    }
    return { contexts, entry: findContext(contexts, asked, by), label: `context "${asked}" in ${file}` };
  }
  if (contexts?.current === undefined) return undefined;
  return { contexts, entry: findContext(contexts, contexts.current, 'currentContext'), label: `context "${contexts.current}" in ${file}` };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new IpgateError('ERR_FILE_READ', `cannot read ${what} "${path}" (${describeFileError(error)})`, { input: path });
  }
}

function timeoutOf(timeoutSeconds: string | undefined): number {
  if (timeoutSeconds === undefined) return DEFAULT_TIMEOUT_MS;
  const seconds = Number(timeoutSeconds);
  if (!/^\d+(\.\d+)?$/.test(timeoutSeconds) || !(seconds > 0) || seconds > 3600) {
    throw new IpgateError('ERR_USAGE', `--timeout "${timeoutSeconds}" must be a number of seconds between 0 and 3600`, { input: timeoutSeconds });
  }
  return Math.round(seconds * 1000);
}

/**
 * Where and how to reach the gateway: each setting from its flag, else its environment variable (filled in
 * by the option table), else the context (--context, IPGATE_CONTEXT or the current context of the contexts
 * file). Errors name the flag, the variable or the context and its file.
 */
export function resolveTarget(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): ServerTarget {
  const context = chosenContext(flags, env);
  const entry = context?.entry;
  const inContext = (key: string): string => `${key} of ${context?.label ?? 'the context'}`;
  const fromContext = (path: string | undefined): string | undefined => (path === undefined || context === undefined ? undefined : contextPath(context.contexts, path, env));

  const rawServer = flags.server ?? entry?.server;
  if (rawServer === undefined || rawServer === '') {
    throw new IpgateError('ERR_USAGE', `no gateway given: pass --server URL (or set IPGATE_SERVER, or choose a context: 'ipgate context use NAME')${context === undefined ? '' : `; ${context.label} has no server`}`, {
      suggestion: '--server http://127.0.0.1:9090',
    });
  }
  const origin = flags.server === undefined ? context?.label : env['IPGATE_SERVER'] === flags.server ? '--server or IPGATE_SERVER' : '--server';
  const tokenPath = flags['token-file'] ?? fromContext(entry?.tokenFile);
  if (tokenPath === undefined || tokenPath === '') {
    throw new IpgateError('ERR_USAGE', `no admin token given: pass --token-file FILE (or set IPGATE_TOKEN_FILE, or give the context a tokenFile)${context === undefined ? '' : `; ${context.label} has no tokenFile`}`);
  }
  let token: string;
  try {
    token = readClientToken(tokenPath);
  } catch (error) {
    if (flags['token-file'] === undefined && error instanceof IpgateError) {
      throw new IpgateError(error.code, `${error.message} (${inContext('tokenFile')})`, { input: tokenPath, ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }) });
    }
    throw error;
  }
  const baseUrl = parseServerUrl(rawServer);
  // The CA: --cacert, else the context's. A client certificate and key go together, from the flags or from the
  // context. A context's TLS files are for its https:// server: an http:// server from a flag or the
  // environment leaves them out.
  const contextTls = flags.server === undefined || baseUrl.startsWith('https://');
  const caPath = flags.cacert ?? (contextTls ? fromContext(entry?.caFile) : undefined);
  const fromFlags = flags.cert !== undefined || flags.key !== undefined;
  const certPath = fromFlags ? flags.cert : contextTls ? fromContext(entry?.certFile) : undefined;
  const keyPath = fromFlags ? flags.key : contextTls ? fromContext(entry?.keyFile) : undefined;
  const where = (flag: string, key: string, given: boolean): string => (given ? flag : inContext(key));
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new IpgateError('ERR_USAGE', `a client certificate needs its key: give both ${fromFlags ? '--cert and --key' : `certFile and keyFile (${context?.label ?? 'the context'})`}`);
  }
  const tlsFiles = caPath !== undefined || certPath !== undefined;
  if (tlsFiles && !baseUrl.startsWith('https://')) {
    const by = flags.cacert !== undefined || fromFlags ? '--cacert/--cert/--key' : `the TLS files of ${context?.label ?? 'the context'}`;
    throw new IpgateError('ERR_USAGE', `${by} are for an https:// admin API, but the server is ${baseUrl}; use https:// (the token would otherwise cross the network unencrypted)`, { input: baseUrl });
  }
  const tls: ClientTls = {
    ...(caPath === undefined ? {} : { ca: readPem(caPath, where('--cacert', 'caFile', flags.cacert !== undefined)) }),
    ...(certPath === undefined ? {} : { cert: readPem(certPath, where('--cert', 'certFile', fromFlags)) }),
    ...(keyPath === undefined ? {} : { key: readPem(keyPath, where('--key', 'keyFile', fromFlags)) }),
  };
  return {
    baseUrl,
    token,
    timeoutMs: timeoutOf(flags.timeout),
    ...(tlsFiles ? { tls } : {}),
    ...(origin === undefined ? {} : { origin }),
  };
}

function errorCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if ('code' in current && typeof current.code === 'string') return current.code;
    current = current.cause;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `errors` array of a server error body, keeping only well-formed items. */
export function entryProblems(body: unknown): EntryProblem[] {
  if (!isRecord(body) || !Array.isArray(body['errors'])) return [];
  const out: EntryProblem[] = [];
  for (const item of body['errors'] as unknown[]) {
    if (!isRecord(item)) continue;
    const entry = typeof item['entry'] === 'string' ? item['entry'] : '';
    const code = typeof item['code'] === 'string' ? item['code'] : 'ERR_SERVER_ANSWER';
    const message = typeof item['message'] === 'string' ? item['message'] : undefined;
    const suggestion = typeof item['suggestion'] === 'string' ? item['suggestion'] : undefined;
    out.push({ entry, code, ...(message === undefined ? {} : { message }), ...(suggestion === undefined ? {} : { suggestion }) });
  }
  return out;
}

/** Default hint per status or code, when the server gives none. */
function hintFor(status: number, code: string): string | undefined {
  if (code === 'ERR_LOCKOUT') return 're-run with --force if you really mean to refuse your own address';
  if (status === 401) return 'check --token-file (or IPGATE_TOKEN_FILE, or the context\'s tokenFile): it must hold one of the gateway\'s admin tokens';
  if (status === 403) return 'this token may only read: use a token with scope write';
  if (status === 412) return "the profile changed since you read it: run 'ipgate ranges show' for the current ETag and retry";
  return undefined;
}

function entryLine(p: EntryProblem): string {
  const text = p.message ?? p.code;
  const head = p.entry === '' ? '' : text.includes(p.entry) ? '' : `${p.entry}: `;
  const tail = p.suggestion === undefined || text.includes(p.suggestion) ? '' : `; suggestion: ${p.suggestion}`;
  return `  ${head}${text}${tail} (${p.code})`;
}

/** Builds the error for a non-2xx answer: the server's code, or ERR_SERVER_ANSWER when it sent none. */
export function serverError(url: string, status: number, body: unknown): ServerError {
  const code = isRecord(body) && typeof body['code'] === 'string' ? body['code'] : 'ERR_SERVER_ANSWER';
  const serverMessage = isRecord(body) && typeof body['message'] === 'string' ? body['message'] : undefined;
  const problems = entryProblems(body);
  // A single entry restating the error itself (e.g. ERR_LOCKOUT naming the caller) adds nothing.
  const lines = problems.length === 1 && problems[0]?.code === code ? [] : problems.map(entryLine);
  const summary = serverMessage ?? `the gateway answered ${status}`;
  const where = `[${status} from ${url}]`;
  // The error's code is printed after the message, so the summary goes last when entries are listed.
  const message = lines.length === 0 ? `${summary} ${where}` : `the gateway refused the request ${where}:\n${lines.join('\n')}\n${summary}`;
  const serverSuggestion = isRecord(body) && typeof body['suggestion'] === 'string' ? body['suggestion'] : undefined;
  const suggestion = hintFor(status, code) ?? serverSuggestion;
  return new ServerError(code, status, message, suggestion === undefined ? { input: url } : { input: url, suggestion });
}

/** Certificate problems the client finds in the admin API's certificate. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE',
]);
/** Node's own TLS and OpenSSL error codes (not ipgate's: matched by pattern, never listed as ipgate codes). */
const NODE_TLS_NAME = /^ERR_TLS_CERT_ALTNAME/;
const OPENSSL = /^ERR_SSL_/;

/** A failed request as the CLI's own error (the request never got an HTTP answer). */
function transportError(error: unknown, target: ServerTarget, timedOut: boolean): IpgateError {
  const where = target.origin === undefined ? '' : ` (from ${target.origin})`;
  if (timedOut) {
    return new IpgateError('ERR_SERVER_TIMEOUT', `no answer from the gateway at ${target.baseUrl} within ${target.timeoutMs / 1000} s`, {
      input: target.baseUrl,
      suggestion: 'check the address, or raise --timeout',
    });
  }
  const code = errorCodeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code !== undefined && (UNTRUSTED.has(code) || NODE_TLS_NAME.test(code))) {
    return new IpgateError('ERR_SERVER_TLS', `the admin API at ${target.baseUrl}${where} presented a certificate this client does not trust (${code}: ${detail})`, {
      input: target.baseUrl,
      suggestion: target.tls?.ca === undefined ? 'pass --cacert with the CA that signed the admin API\'s certificate (or give the context a caFile)' : 'check that --cacert is the CA that signed the admin API\'s certificate and that the certificate names this host',
    });
  }
  if (code !== undefined && (OPENSSL.test(code) || code === 'EPROTO')) {
    const plain = /wrong version number|packet length too long|http request/i.test(detail);
    return new IpgateError('ERR_SERVER_TLS', `the TLS connection to the admin API at ${target.baseUrl}${where} failed (${code}: ${detail})`, {
      input: target.baseUrl,
      suggestion: plain
        ? 'the admin API does not speak TLS there: use http://'
        : target.tls?.cert === undefined
          ? 'the admin API may require a client certificate: pass --cert and --key (or give the context certFile and keyFile)'
          : 'check that the client certificate (--cert, --key) is signed by the CA the admin API trusts (admin.tls.clientCaFile)',
    });
  }
  if (code !== undefined && code.startsWith('HPE_')) {
    return new IpgateError('ERR_SERVER_ANSWER', `the gateway at ${target.baseUrl}${where} did not answer in HTTP (${code})`, {
      input: target.baseUrl,
      suggestion: target.baseUrl.startsWith('http://') ? 'if the admin API has admin.tls, use https://' : 'check --server',
    });
  }
  return new IpgateError('ERR_SERVER_UNREACHABLE', `cannot reach the gateway's admin API at ${target.baseUrl}${where}${code === undefined ? '' : ` (${code})`}`, {
    input: target.baseUrl,
    suggestion: target.origin?.startsWith('context') === true
      ? `check the server of the ${target.origin}, and that ipgate serve runs with an admin address`
      : 'check --server (or IPGATE_SERVER) and that ipgate serve runs with an admin address',
  });
}

/** One HTTP(S) exchange: the status, the ETag and the body text. */
function exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined, target: ServerTarget): Promise<{ status: number; etag: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const options = { method, headers, agent: false as const, ...(url.protocol === 'https:' ? { ...target.tls } : {}) };
    const onResponse = (response: IncomingMessage): void => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        clearTimeout(timer);
        const etag = response.headers.etag;
        resolve({ status: response.statusCode ?? 0, etag: typeof etag === 'string' ? etag : undefined, text });
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        reject(transportError(error, target, timedOut));
      });
    };
    const request = url.protocol === 'https:' ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy(new Error('timeout'));
    }, target.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(transportError(error, target, timedOut));
    });
    request.end(body);
  });
}

/** Sends one request to the admin API; resolves on 2xx, throws a ServerError (a refusal) or an IpgateError otherwise. */
export async function adminRequest(
  target: ServerTarget,
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE',
  path: string,
  options: RequestOptions = {},
): Promise<AdminResponse> {
  const url = new URL(`${target.baseUrl}${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const headers: Record<string, string> = {
    authorization: `Bearer ${target.token}`,
    accept: 'application/json',
    ...options.headers,
  };
  let sent: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    sent = JSON.stringify(options.body);
    headers['content-length'] = String(Buffer.byteLength(sent));
  }
  const { status, etag, text } = await exchange(url, method, headers, sent, target);
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  if (status < 200 || status > 299) throw serverError(url.href, status, body);
  return { status, etag, body };
}

/** A list of entries as served (strings, or `{"range","note"?,"expires"?}`): the ranges and their notes. */
function entriesOf(value: unknown): { entries: string[]; info: Map<string, EntryInfo> } | undefined {
  if (!Array.isArray(value)) return undefined;
  const entries: string[] = [];
  const info = new Map<string, EntryInfo>();
  for (const item of value as unknown[]) {
    if (typeof item === 'string') {
      entries.push(item);
      continue;
    }
    if (!isRecord(item) || typeof item['range'] !== 'string') return undefined;
    const range = item['range'];
    const note = typeof item['note'] === 'string' ? item['note'] : undefined;
    const expires = typeof item['expires'] === 'string' ? item['expires'] : undefined;
    entries.push(range);
    if (note !== undefined || expires !== undefined) info.set(range, { ...(note === undefined ? {} : { note }), ...(expires === undefined ? {} : { expires }) });
  }
  return { entries, info };
}

/** Extracts the profile (with notes and expiry times) from a profile answer (bare or under `profile`). */
export function profileOf(body: unknown): Profile | undefined {
  const candidate = isRecord(body) && isRecord(body['profile']) ? body['profile'] : body;
  if (!isRecord(candidate)) return undefined;
  const authorized = entriesOf(candidate['authorizedIpRanges']);
  if (authorized === undefined) return undefined;
  const egress = entriesOf(candidate['egressIpRanges']) ?? { entries: [], info: new Map<string, EntryInfo>() };
  return profileWithInfo(authorized.entries, egress.entries, { authorizedIpRanges: authorized.info, egressIpRanges: egress.info });
}

export function isVerdictBody(body: unknown): body is { address: string; allowed: boolean; reason: string; matched?: string | null } {
  return isRecord(body) && typeof body['address'] === 'string' && typeof body['allowed'] === 'boolean' && typeof body['reason'] === 'string';
}

export function unexpectedAnswer(what: string, url: string): IpgateError {
  return new IpgateError('ERR_SERVER_ANSWER', `the gateway at ${url} sent an unexpected answer to ${what}`, { input: url });
}
