/**
 * A one-line progress indicator on standard error for long operations, shown only when standard error is a
 * terminal (scripts and logs get nothing). Cleared when done.
 */
export interface Progress {
  /** Changes the text shown (e.g. "2/5 sources"). */
  update(text: string): void;
  done(): void;
}

const FRAMES = ['|', '/', '-', '\\'];

export function startProgress(label: string, stream: NodeJS.WriteStream = process.stderr, delayMs = 300): Progress {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  const started = Date.now();
  let text = '';
  let frame = 0;
  let shown = false;
  const draw = (): void => {
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length] ?? ''} ${label}${text === '' ? '' : ` ${text}`} (${seconds}s)`);
    shown = true;
  };
  let ticker: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    draw();
    ticker = setInterval(draw, 200);
    ticker.unref();
  }, delayMs);
  first.unref();
  return {
    update(next) {
      text = next;
    },
    done() {
      clearTimeout(first);
      if (ticker !== undefined) clearInterval(ticker);
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
