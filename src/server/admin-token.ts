/**
 * The admin API's bearer token, read from its file at start and again on SIGHUP. A file that cannot be read or
 * holds no valid token at SIGHUP is reported and the token in force stays (never an empty token, never a
 * lock-out by accident). A file the group or others may read is accepted (Kubernetes Secret volumes are 0644
 * by default) with a warning.
 */
import { IpgateError } from '../errors.js';
import { formatMode, readTokenFile } from '../fs/token-file.js';
import type { Logger } from '../runtime/log.js';

function readAdminToken(file: string, log: Logger): string {
  const read = readTokenFile(file, { minLength: 16, what: 'admin token file' });
  if (read.readableByOthers) {
    log('warn', 'token-file-mode', { file, mode: formatMode(read.mode), problem: 'the admin token file may be read by other users; chmod 600 it (or set defaultMode: 0400 on a Kubernetes Secret volume)' });
  }
  return read.token;
}

export class AdminToken {
  private constructor(
    private readonly file: string,
    private readonly log: Logger,
    private token: string,
  ) {}

  /** Reads the token file; throws ERR_TOKEN_FILE when it is unusable. */
  static read(file: string, log: Logger): AdminToken {
    return new AdminToken(file, log, readAdminToken(file, log));
  }

  get current(): string {
    return this.token;
  }

  /** SIGHUP: reads the file again; keeps the token in force when the file is unusable. */
  reload(): void {
    try {
      const token = readAdminToken(this.file, this.log);
      if (token !== this.token) {
        this.token = token;
        this.log('info', 'token-reloaded', { file: this.file });
      }
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError('ERR_TOKEN_FILE', String(error));
      this.log('error', 'token-file-rejected', { code: e.code, file: this.file, problem: e.message, kept: 'the admin token in force stays' });
    }
  }
}
