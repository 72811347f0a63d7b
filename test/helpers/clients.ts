/** Real clients from chosen loopback sources: curl, openssl s_client, kubectl, and admin API requests. */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { spawnTracked, type Spawned } from './ipgate.js';

export interface CurlResult {
  /** curl's exit code (0 = success; 7 = connect refused, 35/56 = reset during TLS/receive). */
  readonly code: number;
  readonly body: string;
  readonly stderr: string;
}

/** `curl --interface SOURCE --cacert CA https://HOST:PORT/PATH`. */
export function curlFrom(source: string, port: number, options: { cacert: string; path?: string; host?: string; timeoutS?: number }): Promise<CurlResult> {
  const host = options.host ?? '127.0.0.1';
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}${options.path ?? '/version'}`;
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['-sS', '--interface', source, '--cacert', options.cacert, '--max-time', String(options.timeoutS ?? 5), url],
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, body: stdout, stderr });
      },
    );
  });
}

/** `openssl s_client` held open from SOURCE (stdin kept open so it does not hang up by itself). */
export function opensslHold(source: string, port: number, cafile: string): Spawned {
  return spawnTracked('openssl', ['s_client', '-bind', `${source}:0`, '-connect', `127.0.0.1:${port}`, '-CAfile', cafile, '-verify_return_error', '-quiet']);
}

export function kubectlVersion(port: number, cafile: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      // A token is given so kubectl does not prompt for credentials; the demo upstream ignores it.
      ['get', '--raw', '/version', '--server', `https://127.0.0.1:${port}`, '--certificate-authority', cafile, '--token', 'demo', '--request-timeout', '5s'],
      { env: { ...process.env, KUBECONFIG: '/dev/null' }, timeout: 10_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

export interface AdminResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: unknown;
}

export interface AdminOptions {
  readonly token?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Source address of the request (the admin API sees this as the caller). */
  readonly localAddress?: string;
}

/** One request to the admin API. */
export function adminRequest(baseUrl: string, method: string, path: string, options: AdminOptions = {}): Promise<AdminResult> {
  const url = new URL(path, baseUrl);
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        headers: {
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The value of one Prometheus sample from /metrics text (labels as written, e.g. `{listener="public"}`). */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}${labels} `)) return Number(line.slice(name.length + labels.length + 1));
  }
  return undefined;
}

export interface Readiness {
  readonly status: string;
  readonly store?: { readonly detail: string };
}

/** GET /readyz of an admin API, as JSON. */
export async function readyz(baseUrl: string): Promise<Readiness> {
  return (await adminRequest(baseUrl, 'GET', '/readyz')).json as Readiness;
}
