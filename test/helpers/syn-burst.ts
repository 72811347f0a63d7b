/**
 * A burst of connection attempts from many loopback sources at once (run as a script inside a namespace:
 * `node syn-burst.js HOST PORT COUNT WAIT_MS`, sources 127.0.1.1 .. 127.0.1.COUNT), so the kernel sees them
 * within a few milliseconds, which one curl process per attempt cannot do. Each attempt is given up after
 * WAIT_MS (before the first SYN retransmission at 1 s); prints one JSON array of outcomes: `connected`,
 * `timeout` (nothing came back: dropped) or the error code (ECONNREFUSED: reset).
 */
import { connect } from 'node:net';

export const SYN_BURST_MAX = 254;

function attempt(host: string, port: number, source: string, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, localAddress: source });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, waitMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? error.message);
    });
  });
}

async function main(): Promise<void> {
  const [host = '127.0.0.1', port = '0', count = '0', waitMs = '500'] = process.argv.slice(2);
  const n = Math.min(Number(count), SYN_BURST_MAX);
  const outcomes = await Promise.all(Array.from({ length: n }, (_, i) => attempt(host, Number(port), `127.0.1.${i + 1}`, Number(waitMs))));
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
}

// Run as a script with its four arguments (imported, or loaded by the test runner, it does nothing).
if (process.argv[1]?.endsWith('syn-burst.js') === true && process.argv.length === 6) await main();
