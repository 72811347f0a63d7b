/**
 * A small HTTPS server standing in for the Kubernetes API server in demos and tests: `GET /version` answers
 * like the API server does; other paths answer a short text naming the path.
 * Run alone: `node dist/src/demo/upstream.js --port N --cert-dir DIR` prints `upstream listening on PORT`.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { listenOn } from '../net/listen.js';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureSelfSignedCert } from './cert.js';

export const DEMO_VERSION = {
  major: '1',
  minor: '30',
  gitVersion: 'v1.30.0-ipgate-demo',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-01-01T00:00:00Z',
  goVersion: 'go1.22.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export interface DemoUpstream {
  readonly server: Server;
  readonly port: number;
  readonly cert: string;
  close(): Promise<void>;
}

export async function startDemoUpstream(options: { certDir: string; port?: number; host?: string }): Promise<DemoUpstream> {
  const files = await ensureSelfSignedCert(options.certDir);
  const [cert, key] = await Promise.all([readFile(files.cert), readFile(files.key)]);
  const server = createServer({ cert, key }, (request, response) => {
    if (new URL(request.url ?? '/', 'https://upstream').pathname === '/version') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`${JSON.stringify(DEMO_VERSION, null, 2)}\n`);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(`demo API server: ${request.method ?? 'GET'} ${request.url ?? '/'}\n`);
  });
  const { port } = await listenOn(server, { host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return {
    server,
    port,
    cert: files.cert,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, 'cert-dir': { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } },
    strict: true,
  });
  const certDir = values['cert-dir'];
  if (certDir === undefined) {
    process.stderr.write('usage: node dist/src/demo/upstream.js --port N --cert-dir DIR [--host 127.0.0.1]\n');
    process.exitCode = 2;
    return;
  }
  const upstream = await startDemoUpstream({ certDir, port: Number(values.port), host: values.host });
  process.stdout.write(`upstream listening on ${upstream.port}\n`);
  const stop = (): void => void upstream.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
