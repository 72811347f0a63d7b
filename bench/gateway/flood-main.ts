/**
 * Runs the refusal flood in its own process (so it can be pinned to a CPU):
 *   node dist/bench/gateway/flood-main.js HOST PORT LOCAL_ADDRESS SECONDS [CONCURRENCY]
 * Prints the result as one JSON line.
 */
import { flood } from './refusal-flood.js';

const [host = '127.0.0.1', port = '0', localAddress = '127.0.0.3', seconds = '5', concurrency = '64'] = process.argv.slice(2);
const result = await flood({
  host,
  port: Number(port),
  localAddress,
  concurrency: Number(concurrency),
  durationMs: Number(seconds) * 1000,
  maxPerLoop: 1_000_000,
  timeoutMs: 2000,
});
process.stdout.write(`${JSON.stringify(result)}\n`);
