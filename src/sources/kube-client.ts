/**
 * The two Kubernetes API calls discovery needs, over node's https: a paged list (`limit`/`continue`) that
 * gives the items and the list's resourceVersion, and a watch from a resourceVersion that hands each event
 * (one JSON object a line) to a callback until the server ends the stream. A 410 (the resourceVersion is too
 * old: "Expired", as a status or as an ERROR event) is reported as `expired` so the caller lists again; any
 * other failure is ERR_SOURCE_FETCH naming the API server and what it answered.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { IpgateError } from '../errors.js';
import type { KubeConnection } from './kube-config.js';

export interface ListResult {
  readonly items: unknown[];
  readonly resourceVersion: string;
}

export interface WatchEvent {
  readonly type: string;
  readonly object: unknown;
}

export type WatchEnd = 'ended' | 'expired';

const PAGE = 500;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The `code` and `message` of a Kubernetes Status object, when the value is one. */
export function statusOf(value: unknown): { code: number; message: string } | undefined {
  const r = record(value);
  if (r?.['kind'] !== 'Status') return undefined;
  return { code: typeof r['code'] === 'number' ? r['code'] : 0, message: typeof r['message'] === 'string' ? r['message'] : '' };
}

function hintFor(status: number): string | undefined {
  if (status === 401) return 'the token or client certificate is not accepted: give the source a current service account token';
  if (status === 403) return 'grant the identity get, list and watch on nodes and services (a ClusterRole and ClusterRoleBinding; see docs/sources.md)';
  return undefined;
}

export class KubeClient {
  constructor(private readonly conn: KubeConnection, private readonly timeoutMs = 30_000) {}

  get origin(): string {
    return this.conn.origin;
  }

  private fail(path: string, problem: string, status?: number): IpgateError {
    const hint = status === undefined ? undefined : hintFor(status);
    return new IpgateError('ERR_SOURCE_FETCH', `Kubernetes API ${this.conn.server.origin} (${this.conn.origin}): GET ${path}: ${problem}`, {
      input: this.conn.server.origin, ...(hint === undefined ? {} : { suggestion: hint }),
    });
  }

  private open(path: string, signal: AbortSignal, idleMs: number): Promise<IncomingMessage> {
    const url = new URL(path, this.conn.server);
    const c = this.conn;
    const options = {
      method: 'GET',
      agent: false as const,
      signal,
      headers: { accept: 'application/json', 'user-agent': 'ipgate-discovery', ...(c.token === undefined ? {} : { authorization: `Bearer ${c.token}` }) },
      ...(url.protocol === 'https:' ? {
        rejectUnauthorized: !c.insecureSkipTlsVerify,
        ...(c.ca === undefined ? {} : { ca: c.ca }),
        ...(c.cert === undefined ? {} : { cert: c.cert }),
        ...(c.key === undefined ? {} : { key: c.key }),
        ...(c.tlsServerName === undefined ? {} : { servername: c.tlsServerName }),
      } : {}),
    };
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, resolve);
      req.setTimeout(idleMs, () => req.destroy(new Error(`no answer for ${Math.round(idleMs / 1000)} s`)));
      req.on('error', (error) => reject(this.fail(path, signal.aborted ? 'stopped' : error.message)));
      req.end();
    });
  }

  private async readBody(res: IncomingMessage, path: string): Promise<unknown> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (error) {
      throw this.fail(path, `the answer broke off (${error instanceof Error ? error.message : String(error)})`);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      if (res.statusCode !== 200) return undefined;
      throw new IpgateError('ERR_SOURCE_PARSE', `Kubernetes API ${this.conn.server.origin}: GET ${path} did not answer JSON`, { input: path });
    }
  }

  private async refused(res: IncomingMessage, path: string): Promise<IpgateError> {
    const body = await this.readBody(res, path).catch(() => undefined);
    const status = res.statusCode ?? 0;
    const detail = statusOf(body)?.message;
    return this.fail(path, `answered ${status} ${res.statusMessage ?? ''}`.trim() + (detail === undefined || detail === '' ? '' : `: ${detail}`), status);
  }

  /** Every item of a collection (`/api/v1/nodes`), page by page, and the list's resourceVersion. */
  async list(collection: string, signal: AbortSignal): Promise<ListResult> {
    const items: unknown[] = [];
    let token = '';
    for (;;) {
      const path = `${collection}?limit=${PAGE}${token === '' ? '' : `&continue=${encodeURIComponent(token)}`}`;
      const res = await this.open(path, signal, this.timeoutMs);
      if (res.statusCode !== 200) throw await this.refused(res, path);
      const body = record(await this.readBody(res, path));
      const page = body?.['items'];
      const metadata = record(body?.['metadata']);
      const rv = metadata?.['resourceVersion'];
      if (!Array.isArray(page) || typeof rv !== 'string') {
        throw new IpgateError('ERR_SOURCE_PARSE', `Kubernetes API ${this.conn.server.origin}: GET ${path} did not answer a list (items and metadata.resourceVersion)`, { input: path });
      }
      items.push(...page);
      const next = metadata?.['continue'];
      if (typeof next !== 'string' || next === '') return { items, resourceVersion: rv };
      token = next;
    }
  }

  /**
   * Watches a collection from `resourceVersion`: each event goes to `onEvent` (BOOKMARK included) until the
   * server ends the stream (`ended`) or says the version is too old (`expired`); `onOpen` once the server has
   * accepted the watch. Throws ERR_SOURCE_FETCH on
   * a refusal, a broken stream, or `timeoutSeconds` + 30 s without a byte.
   */
  async watch(collection: string, resourceVersion: string, onEvent: (event: WatchEvent) => void, signal: AbortSignal, timeoutSeconds = 300, onOpen?: () => void): Promise<WatchEnd> {
    const path = `${collection}?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}&timeoutSeconds=${timeoutSeconds}`;
    const res = await this.open(path, signal, (timeoutSeconds + 30) * 1000);
    if (res.statusCode === 410) {
      res.resume();
      return 'expired';
    }
    if (res.statusCode !== 200) throw await this.refused(res, path);
    onOpen?.();
    let buffered = '';
    const handle = (line: string): WatchEnd | undefined => {
      if (line.trim() === '') return undefined;
      let event: Record<string, unknown> | undefined;
      try {
        event = record(JSON.parse(line));
      } catch {
        event = undefined;
      }
      const type = event?.['type'];
      if (event === undefined || typeof type !== 'string') throw new IpgateError('ERR_SOURCE_PARSE', `Kubernetes API ${this.conn.server.origin}: a watch event of ${collection} is not JSON with a type`, { input: path });
      if (type === 'ERROR') {
        const st = statusOf(event['object']);
        if (st?.code === 410) return 'expired';
        throw this.fail(path, `the watch answered an error${st === undefined ? '' : ` ${st.code}: ${st.message}`}`, st?.code);
      }
      onEvent({ type, object: event['object'] });
      return undefined;
    };
    try {
      for await (const chunk of res) {
        buffered += (chunk as Buffer).toString('utf8');
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const end = handle(buffered.slice(0, newline));
          if (end !== undefined) {
            res.destroy();
            return end;
          }
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
        }
      }
    } catch (error) {
      if (error instanceof IpgateError) throw error;
      throw this.fail(path, `the watch broke off (${error instanceof Error ? error.message : String(error)})`);
    }
    const last = handle(buffered);
    return last ?? 'ended';
  }
}
