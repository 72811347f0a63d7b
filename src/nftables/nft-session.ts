/**
 * One long-lived `nft -j -i` process for the small, frequent operations (a delta and the read back of the
 * sets it changed). Starting nft costs some 20 ms of CPU per run (its libraries, its netlink socket), many
 * times what committing a few elements or listing a small set costs, and under load each start waits for
 * a core. In interactive mode nft reads one command line at a time: a line holding a JSON batch
 * (`{"nftables": [...]}`) is one transaction, committed whole or not at all, exactly as with `nft -j -f`.
 *
 * Answers are framed by a terminator: after each request's lines the session sends `describe ip saddr`,
 * which nft answers with one fixed line without touching the kernel; everything before it belongs to the
 * request. nft's errors are written to the same stream (stderr joined to stdout), so they arrive in order.
 * A batch whose output has no `Error:` was committed (nft says nothing then, or at most a warning). Any doubt (the process exits, a timeout, an answer
 * that does not frame) ends the session: the caller falls back to running nft once per operation.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

const PROBE = 'describe ip saddr';
/** As long as a single run of nft may take: listing a large set back on a loaded host takes seconds. */
const TIMEOUT_MS = 60_000;

export class NftSessionError extends Error {}

export class NftSession {
  private child: ChildProcessWithoutNullStreams | undefined;
  /** Output not yet handed out, as received (a listing of a large set arrives in many chunks). */
  private chunks: string[] = [];
  /** nft's answer to PROBE, learnt when the session starts. */
  private terminator: string | undefined;
  private pending: { resolve: (out: string) => void; reject: (e: Error) => void } | undefined;
  /** What ends the pending answer: the terminator line, or (undefined) the first line. */
  private expect: string | undefined;
  /** Set when nft cannot run a session at all (no interactive mode, not installed): not tried again. */
  private unusable = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly binary: string) {}

  /**
   * Sends command lines (each one line: a JSON batch or a listing) and resolves with nft's output for them,
   * up to the terminator. One request at a time.
   */
  request(lines: readonly string[]): Promise<string> {
    const run = async (): Promise<string> => {
      for (const l of lines) if (l.includes('\n')) throw new NftSessionError('a command line must not contain a newline');
      const terminator = await this.started();
      return this.exchange(`${lines.map((l) => `${l}\n`).join('')}${PROBE}\n`, terminator);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The process id of the running nft, if one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Ends the process (a later request starts another). */
  close(): void {
    const child = this.child;
    this.child = undefined;
    this.terminator = undefined;
    this.chunks = [];
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.fail(new NftSessionError('the nft session ended'));
  }

  private async started(): Promise<string> {
    if (this.child !== undefined && this.terminator !== undefined) return this.terminator;
    if (this.unusable) throw new NftSessionError('nft cannot run an interactive session here');
    // stderr is joined to stdout so that errors arrive in order with the answers they belong to.
    const child = spawn('/bin/sh', ['-c', 'exec "$0" -j -i 2>&1', this.binary], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.chunks = [];
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      this.chunks.push(d);
      this.deliver();
    });
    child.stderr.resume();
    child.stdin.on('error', () => undefined);
    child.on('error', () => this.close());
    child.on('exit', () => {
      if (this.child === child) this.close();
    });
    // The terminator: nft's whole answer to the probe, which must be one non-empty line.
    const answer = await this.exchange(`${PROBE}\n`, undefined).catch((e: unknown) => {
      this.unusable = true;
      throw e;
    });
    if (!/^[^\n{]+\n$/.test(answer)) {
      this.unusable = true;
      this.close();
      throw new NftSessionError(`nft answered ${JSON.stringify(answer.slice(0, 200))} to ${PROBE}`);
    }
    this.terminator = answer;
    return answer;
  }

  /** Writes `text` and waits for the output up to `terminator` (undefined: the first full line). */
  private exchange(text: string, terminator: string | undefined): Promise<string> {
    const child = this.child;
    if (child === undefined) return Promise.reject(new NftSessionError('the nft session is not running'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close();
      }, TIMEOUT_MS);
      this.pending = {
        resolve: (out) => {
          clearTimeout(timer);
          resolve(out);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.expect = terminator;
      child.stdin.write(text);
      this.deliver();
    });
  }

  private deliver(): void {
    if (this.pending === undefined || this.chunks.length === 0) return;
    let text: string;
    let rest = '';
    if (this.expect === undefined) {
      const all = this.chunks.join('');
      const end = all.indexOf('\n');
      if (end < 0) {
        this.chunks = [all];
        return;
      }
      text = all.slice(0, end + 1);
      rest = all.slice(end + 1);
    } else {
      // One request is answered at a time, so a complete answer ends with the terminator line: only the
      // end of what arrived is looked at, however long the answer.
      const want = this.expect.length + 1;
      let tail = '';
      for (let i = this.chunks.length - 1; i >= 0 && tail.length < want; i--) tail = `${this.chunks[i] ?? ''}${tail}`;
      if (!(tail.endsWith(`\n${this.expect}`) || tail === this.expect)) return;
      const all = this.chunks.join('');
      text = all.slice(0, all.length - this.expect.length);
    }
    this.chunks = rest === '' ? [] : [rest];
    const p = this.pending;
    this.pending = undefined;
    p.resolve(text);
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }
}
