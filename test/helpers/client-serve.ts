/** Small process helpers for tests that run `ipgate serve` or scripts: free ports, readiness, clean stop. */
import type { ChildProcess } from 'node:child_process';
import { freePort } from './ports.js';

export { freePort };

/** Polls `url` until it answers 2xx; fails early (with the child's output) if `child` exits. */
export async function waitHttpOk(url: string, child: ChildProcess, log: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${url} was ready:\n${log()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms:\n${log()}`);
}

/** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. Resolves with the exit code or signal. */
export function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<number | string | null> {
  return new Promise((resolve) => {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      resolve(child?.exitCode ?? child?.signalCode ?? null);
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      resolve(code ?? sig);
    });
    child.kill(signal);
  });
}
