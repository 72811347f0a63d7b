/**
 * HAProxy's runtime API over its stats socket (`stats socket PATH level admin`): one connection per
 * command (HAProxy answers one line, or one command with a `<<` payload, then closes), so a lost answer can
 * never be confused with the next command's.
 */
import { connect } from 'node:net';
import { IpgateError } from '../errors.js';

export const DEFAULT_RUNTIME_TIMEOUT_MS = 10_000;

export class RuntimeApi {
  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = DEFAULT_RUNTIME_TIMEOUT_MS,
  ) {}

  /** Sends one command (with an optional payload, sent after `<<`) and returns HAProxy's whole answer. */
  command(command: string, payload?: string): Promise<string> {
    const text = payload === undefined ? `${command}\n` : `${command} <<\n${payload.endsWith('\n') ? payload : `${payload}\n`}\n`;
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      const chunks: Buffer[] = [];
      let settled = false;
      const fail = (error: IpgateError): void => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(error);
      };
      socket.setTimeout(this.timeoutMs, () =>
        fail(new IpgateError('ERR_HAPROXY_TIMEOUT', `HAProxy runtime API at ${this.socketPath} did not answer "${command}" within ${this.timeoutMs} ms`, { input: this.socketPath })),
      );
      socket.on('connect', () => socket.write(text));
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('error', (error: NodeJS.ErrnoException) =>
        fail(
          new IpgateError('ERR_HAPROXY_SOCKET', `Cannot reach the HAProxy runtime API at ${this.socketPath}: ${error.code ?? error.message}`, {
            input: this.socketPath,
            suggestion: 'check that HAProxy runs and its config has "stats socket PATH level admin" with this path',
          }),
        ),
      );
      socket.on('close', () => {
        if (settled) return;
        settled = true;
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
  }

  /** Sends a command whose success answer is empty; anything else is HAProxy refusing it. */
  async expectEmpty(command: string, payload?: string): Promise<void> {
    const answer = (await this.command(command, payload)).trim();
    if (answer !== '') throw refused(command, answer, this.socketPath);
  }
}

export function refused(command: string, answer: string, socketPath: string): IpgateError {
  const first = answer.split('\n').find((l) => l.trim() !== '') ?? answer;
  return new IpgateError('ERR_HAPROXY_REFUSED', `HAProxy refused "${command}": ${first.trim()}`, { input: socketPath });
}
