/**
 * The audit log of connection decisions: JSON lines (time, listener, source, decision, reason), buffered so
 * a flood of refused connections costs one short string per connection and one write per batch.
 * Refusal lines are rate-limited per source (./refusal-limiter.ts) so a flood cannot fill the disk; allowed
 * and revoked lines are always written. `reopen()` (SIGHUP) opens the file again by name, so a log rotated
 * by renaming it (logrotate) is continued in a new file.
 */
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { IpgateError } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';
import type { Logger } from './log.js';
import { RefusalLimiter } from './refusal-limiter.js';

export type AuditDecision = 'allowed' | 'refused' | 'revoked';

export interface AuditLog {
  record(listener: string, source: string, decision: AuditDecision, reason: string, matched?: string): void;
  flush(): void;
  /** Opens the file again by name (after a rotation); throws ERR_AUDIT_LOG, keeping the old file, when it cannot. */
  reopen(): void;
  close(): Promise<void>;
}

export interface AuditLogOptions {
  /** Refusal lines written per source and second before the rest are summed up (default 10). */
  readonly refusalsPerSecond?: number;
  /** Where write errors are reported (once per opened file). */
  readonly log?: Logger;
}

const MAX_BUFFERED = 64 * 1024;
const FLUSH_MS = 50;
const WINDOW_MS = 1000;

/** The ISO time of the current millisecond, computed once per millisecond however many lines share it. */
class Clock {
  private ms = -1;
  private text = '';

  now(): string {
    const ms = Date.now();
    if (ms !== this.ms) {
      this.ms = ms;
      this.text = new Date(ms).toISOString();
    }
    return this.text;
  }
}

function openAppend(file: string): number {
  try {
    return openSync(file, 'a', 0o640);
  } catch (error) {
    throw new IpgateError('ERR_AUDIT_LOG', `Cannot open audit log "${file}": ${describeFileError(error)}`, {
      input: file,
      suggestion: 'check that its directory exists and is writable, or set auditLog to - (standard error) or off',
    });
  }
}

class BufferedAuditLog implements AuditLog {
  private buffer = '';
  private scheduled = false;
  private stream: WriteStream | undefined;
  private readonly clock = new Clock();
  private readonly limiter: RefusalLimiter;
  private window: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: string,
    private readonly options: AuditLogOptions,
  ) {
    this.limiter = new RefusalLimiter(options.refusalsPerSecond ?? 10);
    if (target !== '-') this.stream = this.streamOf(openAppend(target));
  }

  record(listener: string, source: string, decision: AuditDecision, reason: string, matched?: string): void {
    if (decision === 'refused') {
      if (this.window === undefined) this.window = setInterval(() => this.endWindow(), WINDOW_MS).unref();
      if (!this.limiter.admit(listener, source, reason)) return;
    }
    // Fields are addresses, fixed words and validated listener names / ranges: no escaping needed beyond JSON quotes.
    this.append(`{"time":"${this.clock.now()}","type":"audit","listener":"${listener}","source":"${source}","decision":"${decision}","reason":"${reason}"${matched === undefined ? '' : `,"matched":"${matched}"`}}\n`);
  }

  flush(): void {
    this.scheduled = false;
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    if (this.target === '-') process.stderr.write(chunk);
    else if (this.stream !== undefined && !this.stream.destroyed) this.stream.write(chunk);
  }

  reopen(): void {
    if (this.target === '-') return;
    const fd = openAppend(this.target);
    // Lines recorded before the signal belong to the file being rotated.
    this.flush();
    const old = this.stream;
    this.stream = this.streamOf(fd);
    old?.end();
  }

  close(): Promise<void> {
    if (this.window !== undefined) clearInterval(this.window);
    this.window = undefined;
    this.endWindow();
    this.flush();
    const stream = this.stream;
    if (stream === undefined || stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }

  private append(line: string): void {
    this.buffer += line;
    if (this.buffer.length >= MAX_BUFFERED) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.flush(), FLUSH_MS).unref();
    }
  }

  /** Closes the rate limit's window: one line per source whose refusals were suppressed in it. */
  private endWindow(): void {
    if (!this.limiter.active) {
      if (this.window !== undefined) clearInterval(this.window);
      this.window = undefined;
      return;
    }
    for (const s of this.limiter.endWindow()) {
      this.append(`{"time":"${this.clock.now()}","type":"audit","listener":"${s.listener}","source":"${s.source}","decision":"refused","reason":"${s.reason}","suppressed":${s.suppressed}}\n`);
    }
  }

  private streamOf(fd: number): WriteStream {
    let stream: WriteStream;
    try {
      stream = createWriteStream(this.target, { fd, flags: 'a' });
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    let reported = false;
    stream.on('error', (error) => {
      if (reported) return;
      reported = true;
      this.options.log?.('error', 'audit-log-error', { code: 'ERR_AUDIT_LOG', file: this.target, problem: `${describeFileError(error)}; audit lines are dropped until the file is reopened (SIGHUP)` });
    });
    return stream;
  }
}

class NoAuditLog implements AuditLog {
  record(): void {}
  flush(): void {}
  reopen(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** `-`: standard error; `off`: nothing; otherwise a file appended to (opened now: ERR_AUDIT_LOG when it cannot be). */
export function openAuditLog(target: string, options: AuditLogOptions = {}): AuditLog {
  return target === 'off' ? new NoAuditLog() : new BufferedAuditLog(target, options);
}
