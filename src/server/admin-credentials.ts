/**
 * The admin API's tokens in force, read at start and again on SIGHUP: either the one token of
 * `admin.tokenFile` (named `default`, scope write) or the named tokens of `admin.tokensFile`. A file that
 * cannot be read or checked at SIGHUP is reported with its code and the tokens in force stay: the admin API
 * never opens up and nobody is locked out by accident. A token file the group or others may read is accepted
 * (Kubernetes Secret volumes are 0644 by default) with a warning. Tokens themselves are never logged.
 */
import { DEFAULT_TOKEN_NAME, tokenDigest, type AdminToken } from '../admin/auth.js';
import { readTokensFile } from '../admin/tokens-file.js';
import type { AdminConfig } from '../config/types.js';
import { IpgateError } from '../errors.js';
import { formatMode, readTokenFile } from '../fs/token-file.js';
import type { Logger } from '../runtime/log.js';

const MODE_PROBLEM = 'the token file may be read by other users; chmod 600 it (or set defaultMode: 0400 on a Kubernetes Secret volume)';

type Source = { readonly kind: 'single'; readonly file: string } | { readonly kind: 'named'; readonly file: string };

function sourceOf(admin: AdminConfig): Source {
  if (admin.tokensFile !== undefined) return { kind: 'named', file: admin.tokensFile };
  if (admin.tokenFile !== undefined) return { kind: 'single', file: admin.tokenFile };
  throw new IpgateError('ERR_CONFIG_INVALID', 'The admin API has neither admin.tokenFile nor admin.tokensFile');
}

function readTokens(source: Source, log: Logger): readonly AdminToken[] {
  if (source.kind === 'single') {
    const read = readTokenFile(source.file, { minLength: 16, what: 'admin token file' });
    if (read.readableByOthers) log('warn', 'token-file-mode', { file: source.file, mode: formatMode(read.mode), problem: MODE_PROBLEM });
    return [{ name: DEFAULT_TOKEN_NAME, scope: 'write', digest: tokenDigest(read.token) }];
  }
  const read = readTokensFile(source.file);
  for (const open of read.readableByOthers) log('warn', 'token-file-mode', { file: open.file, token: open.name, mode: formatMode(open.mode), problem: MODE_PROBLEM });
  return read.tokens;
}

function sameTokens(a: readonly AdminToken[], b: readonly AdminToken[]): boolean {
  return a.length === b.length && a.every((t, i) => t.name === b[i]?.name && t.scope === b[i]?.scope && t.digest.equals(b[i]?.digest ?? Buffer.alloc(0)));
}

export class AdminCredentials {
  private constructor(
    private readonly source: Source,
    private readonly log: Logger,
    private tokens: readonly AdminToken[],
  ) {}

  /** Reads the token file or tokens file; throws ERR_TOKEN_FILE / ERR_TOKENS_FILE when it is unusable. */
  static read(admin: AdminConfig, log: Logger): AdminCredentials {
    const source = sourceOf(admin);
    return new AdminCredentials(source, log, readTokens(source, log));
  }

  /** The tokens in force (read at each request, so a SIGHUP applies at once). */
  get current(): readonly AdminToken[] {
    return this.tokens;
  }

  /** SIGHUP: reads the file(s) again; keeps the tokens in force when they are unusable. */
  reload(): void {
    const { source, log } = this;
    try {
      const tokens = readTokens(source, log);
      if (sameTokens(tokens, this.tokens)) return;
      this.tokens = tokens;
      if (source.kind === 'single') log('info', 'token-reloaded', { file: source.file });
      else log('info', 'tokens-reloaded', { file: source.file, tokens: tokens.map((t) => `${t.name} (${t.scope})`) });
    } catch (error) {
      const e = error instanceof IpgateError ? error : new IpgateError(source.kind === 'single' ? 'ERR_TOKEN_FILE' : 'ERR_TOKENS_FILE', String(error));
      const event = source.kind === 'single' ? 'token-file-rejected' : 'tokens-file-rejected';
      const kept = source.kind === 'single' ? 'the admin token in force stays' : `the ${this.tokens.length} admin token(s) in force stay`;
      log('error', event, { code: e.code, file: source.file, problem: e.message, kept });
    }
  }
}
