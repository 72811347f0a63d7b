/**
 * The obvious Node.js gateway, as a peer for the gateway benchmark: a `net.BlockList` of the allowed ranges
 * and `socket.pipe(upstream)`. Refused sources are destroyed at once; nothing else.
 *
 *   node dist/bench/gateway/naive-proxy.js --listen 127.0.0.1:7001 --upstream 127.0.0.1:8080 --ranges allow.txt
 * Prints "ready" on stdout once listening.
 */
import { BlockList, connect, createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

function hostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(text.slice(i + 1)) };
}

const { values } = parseArgs({
  options: { listen: { type: 'string' }, upstream: { type: 'string' }, ranges: { type: 'string' } },
  strict: true,
});
if (values.listen === undefined || values.upstream === undefined || values.ranges === undefined) {
  console.error('usage: naive-proxy --listen HOST:PORT --upstream HOST:PORT --ranges FILE');
  process.exit(2);
}
const allowed = new BlockList();
for (const line of readFileSync(values.ranges, 'utf8').split('\n')) {
  const entry = line.trim();
  if (entry === '' || entry.startsWith('#')) continue;
  const [net, bits] = entry.split('/');
  const type = entry.includes(':') ? 'ipv6' : 'ipv4';
  allowed.addSubnet(net ?? '', Number(bits ?? (type === 'ipv4' ? 32 : 128)), type);
}
const listen = hostPort(values.listen);
const upstream = hostPort(values.upstream);

const server = createServer((client) => {
  const source = client.remoteAddress ?? '';
  if (!allowed.check(source, client.remoteFamily === 'IPv6' ? 'ipv6' : 'ipv4')) {
    client.destroy();
    return;
  }
  const up = connect(upstream.port, upstream.host);
  client.pipe(up).pipe(client);
  client.on('error', () => up.destroy());
  up.on('error', () => client.destroy());
  client.on('close', () => up.destroy());
  up.on('close', () => client.destroy());
});
server.listen(listen.port, listen.host, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
