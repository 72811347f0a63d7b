/**
 * The audit log of connection decisions: JSON lines (time, listener, source, decision, reason), buffered so
 * a flood of refused connections costs one string per connection and one write per batch.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

export type AuditDecision = 'allowed' | 'refused' | 'revoked';

export interface AuditLog {
  record(listener: string, source: string, decision: AuditDecision, reason: string, matched?: string): void;
  flush(): void;
  close(): Promise<void>;
}

const MAX_BUFFERED = 64 * 1024;

class BufferedAuditLog implements AuditLog {
  private buffer = '';
  private scheduled = false;
  private stream: WriteStream | undefined;

  constructor(target: string) {
    if (target !== '-') this.stream = createWriteStream(target, { flags: 'a', mode: 0o640 });
  }

  record(listener: string, source: string, decision: AuditDecision, reason: string, matched?: string): void {
    // Fields are addresses, fixed words and validated listener names / ranges: no escaping needed beyond JSON quotes.
    this.buffer += `{"time":"${new Date().toISOString()}","type":"audit","listener":"${listener}","source":"${source}","decision":"${decision}","reason":"${reason}"${matched === undefined ? '' : `,"matched":"${matched}"`}}\n`;
    if (this.buffer.length >= MAX_BUFFERED) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.flush(), 50).unref();
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    if (this.stream === undefined) process.stderr.write(chunk);
    else this.stream.write(chunk);
  }

  close(): Promise<void> {
    this.flush();
    const stream = this.stream;
    if (stream === undefined) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }
}

class NoAuditLog implements AuditLog {
  record(): void {}
  flush(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** `-`: standard error; `off`: nothing; otherwise a file appended to. */
export function openAuditLog(target: string): AuditLog {
  return target === 'off' ? new NoAuditLog() : new BufferedAuditLog(target);
}
