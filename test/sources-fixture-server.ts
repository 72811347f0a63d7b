/** A small HTTP server on 127.0.0.1 (ephemeral port) serving range source files for tests. */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export interface Route {
  body: string;
  status?: number;
  /** Delay before the headers are sent. */
  delayMs?: number;
  /** Send an ETag (sha of the body) and honour If-None-Match. */
  etag?: boolean;
}

export interface FixtureServer {
  readonly base: string;
  readonly routes: Map<string, Route>;
  readonly requests: Array<{ path: string; ifNoneMatch?: string; status: number }>;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** test/fixtures/sources in the source tree (tests run from dist/test). */
export const FIXTURES = join(here, '..', '..', 'test', 'fixtures', 'sources');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export async function startFixtureServer(): Promise<FixtureServer> {
  const routes = new Map<string, Route>();
  const requests: FixtureServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes.get(path);
    const inm = req.headers['if-none-match'];
    const send = (status: number, headers: Record<string, string>, body: string): void => {
      requests.push({ path, status, ...(typeof inm === 'string' ? { ifNoneMatch: inm } : {}) });
      res.writeHead(status, headers);
      res.end(body);
    };
    const answer = (): void => {
      if (route === undefined) return send(404, { 'content-type': 'text/plain' }, 'not found');
      const status = route.status ?? 200;
      if (status !== 200) return send(status, { 'content-type': 'text/plain' }, 'failure');
      const tag = `"${createHash('sha256').update(route.body).digest('hex').slice(0, 16)}"`;
      if (route.etag === true && inm === tag) return send(304, { etag: tag }, '');
      send(200, { 'content-type': 'application/json', ...(route.etag === true ? { etag: tag } : {}) }, route.body);
    };
    if (route?.delayMs !== undefined) {
      const t = setTimeout(answer, route.delayMs);
      req.on('close', () => clearTimeout(t));
    } else {
      answer();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    routes,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
