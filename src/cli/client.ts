/**
 * The admin API client used by the CLI's server-mode commands (`ranges show|set|add|remove|disable`,
 * `whoami`, `explain`). One request function: bearer token, JSON in and out, a timeout, and every failure
 * turned into an error carrying a code: a refusal keeps the server's own code (ERR_LOCKOUT,
 * ERR_PRECONDITION, ...), anything else is one of the CLI's (ERR_SERVER_UNREACHABLE, ...).
 */
import { CodedError, IpgateError, type IpgateErrorOptions } from '../errors.js';
import { readTokenFile } from '../fs/token-file.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface ServerTarget {
  /** Base URL of the admin API, e.g. `http://127.0.0.1:9090`. */
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMs: number;
  /** A named profile of a gateway whose store holds several (etcd): `--profile NAME`. */
  readonly profile?: string;
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

/** Resolves --server/--token-file, falling back to IPGATE_SERVER/IPGATE_TOKEN_FILE. */
export function resolveTarget(
  server: string | undefined,
  tokenFile: string | undefined,
  timeoutSeconds: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ServerTarget {
  const rawServer = server ?? env['IPGATE_SERVER'];
  if (rawServer === undefined || rawServer === '') {
    throw new IpgateError('ERR_USAGE', 'no gateway given: pass --server URL (or set IPGATE_SERVER)', {
      suggestion: '--server http://127.0.0.1:9090',
    });
  }
  const rawTokenFile = tokenFile ?? env['IPGATE_TOKEN_FILE'];
  if (rawTokenFile === undefined || rawTokenFile === '') {
    throw new IpgateError('ERR_USAGE', 'no admin token given: pass --token-file FILE (or set IPGATE_TOKEN_FILE)');
  }
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (timeoutSeconds !== undefined) {
    const seconds = Number(timeoutSeconds);
    if (!/^\d+(\.\d+)?$/.test(timeoutSeconds) || !(seconds > 0) || seconds > 3600) {
      throw new IpgateError('ERR_USAGE', `--timeout "${timeoutSeconds}" must be a number of seconds between 0 and 3600`, {
        input: timeoutSeconds,
      });
    }
    timeoutMs = Math.round(seconds * 1000);
  }
  return { baseUrl: parseServerUrl(rawServer), token: readClientToken(rawTokenFile), timeoutMs };
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
  if (status === 401) return 'check --token-file (or IPGATE_TOKEN_FILE): it must hold the gateway\'s admin token';
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
  const init: RequestInit = { method, headers, signal: AbortSignal.timeout(target.timeoutMs) };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, init);
    text = await response.text();
  } catch (error) {
    const code = errorCodeOf(error);
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new IpgateError('ERR_SERVER_TIMEOUT', `no answer from the gateway at ${target.baseUrl} within ${target.timeoutMs / 1000} s`, {
        input: target.baseUrl,
        suggestion: 'check the address, or raise --timeout',
      });
    }
    throw new IpgateError(
      'ERR_SERVER_UNREACHABLE',
      `cannot reach the gateway's admin API at ${target.baseUrl}${code === undefined ? '' : ` (${code})`}`,
      { input: target.baseUrl, suggestion: 'check --server (or IPGATE_SERVER) and that ipgate serve runs with an admin address' },
    );
  }
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  if (!response.ok) throw serverError(url.href, response.status, body);
  return { status: response.status, etag: response.headers.get('etag') ?? undefined, body };
}

/** Extracts `{ authorizedIpRanges, egressIpRanges }` from a profile answer (bare or under `profile`). */
export function profileOf(body: unknown): { authorizedIpRanges: string[]; egressIpRanges: string[] } | undefined {
  const candidate = isRecord(body) && isRecord(body['profile']) ? body['profile'] : body;
  if (!isRecord(candidate)) return undefined;
  const authorized = candidate['authorizedIpRanges'];
  const egress = candidate['egressIpRanges'];
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (!strings(authorized)) return undefined;
  return { authorizedIpRanges: authorized, egressIpRanges: strings(egress) ? egress : [] };
}

export function isVerdictBody(body: unknown): body is { address: string; allowed: boolean; reason: string; matched?: string | null } {
  return isRecord(body) && typeof body['address'] === 'string' && typeof body['allowed'] === 'boolean' && typeof body['reason'] === 'string';
}

export function unexpectedAnswer(what: string, url: string): IpgateError {
  return new IpgateError('ERR_SERVER_ANSWER', `the gateway at ${url} sent an unexpected answer to ${what}`, { input: url });
}
