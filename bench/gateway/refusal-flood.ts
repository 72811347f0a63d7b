/**
 * A flood of connections from one source address: each of `concurrency` loops connects, waits for the
 * connection to end, and repeats, bounded by a duration and a count per loop. A connection that the peer
 * closes (FIN or RST) without sending a byte counts as refused; one that delivers data or outlives
 * `timeoutMs` counts as "not refused" (a gateway that let the source through).
 */
import { connect } from 'node:net';

export interface FloodOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress: string;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly maxPerLoop: number;
  readonly timeoutMs: number;
}

export interface FloodResult {
  readonly refused: number;
  readonly notRefused: number;
  readonly connectErrors: number;
  readonly seconds: number;
}

export async function flood(options: FloodOptions): Promise<FloodResult> {
  let refused = 0;
  let notRefused = 0;
  let connectErrors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const once = (): Promise<void> =>
    new Promise((resolve) => {
      let gotData = false;
      let connected = false;
      let done = false;
      const socket = connect({ host: options.host, port: options.port, localAddress: options.localAddress });
      const timer = setTimeout(() => {
        finish(true);
      }, options.timeoutMs);
      const finish = (timedOut: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        if (timedOut || gotData) notRefused += 1;
        else if (connected) refused += 1;
        else connectErrors += 1;
        resolve();
      };
      socket.on('connect', () => {
        connected = true;
        // Ask for something, as a real client would: a gateway that lets the source through answers.
        socket.write('GET / HTTP/1.0\r\n\r\n');
      });
      socket.on('data', () => {
        gotData = true;
        finish(false);
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        // A reset after the handshake is a refusal; a failed handshake is a client-side error.
        if (error.code === 'ECONNRESET' || error.code === 'EPIPE') connected = true;
        finish(false);
      });
      socket.on('close', () => finish(false));
    });

  const loop = async (): Promise<void> => {
    for (let i = 0; i < options.maxPerLoop && performance.now() < deadline; i += 1) await once();
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  return { refused, notRefused, connectErrors, seconds: (performance.now() - started) / 1000 };
}

