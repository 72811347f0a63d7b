/**
 * Who a request comes from, and what it may do. A bearer token is matched against the tokens in force in
 * constant time: the presented token is hashed (SHA-256) and compared with every token's digest, all of
 * them, whatever matches, so neither the token's length nor which entry it is leaks through timing. A token
 * has a name (recorded as the actor) and a scope: `read` may only read (GET), `write` may also change
 * (PUT, PATCH, POST).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const SCOPES = ['read', 'write'] as const;

export type Scope = (typeof SCOPES)[number];

/** A token in force: its name, scope and the SHA-256 digest of its text (the text itself is not kept). */
export interface AdminToken {
  readonly name: string;
  readonly scope: Scope;
  readonly digest: Buffer;
}

/** The caller of a request: the token's name and scope, and the client certificate's subject when there is one. */
export interface Identity {
  /** Who the request is recorded as: the client certificate's subject, else the token's name. */
  readonly actor: string;
  readonly token: string;
  readonly scope: Scope;
}

/** The name of the one token of `admin.tokenFile`. */
export const DEFAULT_TOKEN_NAME = 'default';

export function tokenDigest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The token a bearer header carries ('' when there is none). */
function bearerOf(authorization: string | undefined): string {
  if (authorization === undefined) return '';
  return /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)?.[1] ?? '';
}

/** The token in force that `authorization` carries, compared with every token in constant time. */
export function matchToken(authorization: string | undefined, tokens: readonly AdminToken[]): AdminToken | undefined {
  const given = bearerOf(authorization);
  const digest = tokenDigest(given);
  let found: AdminToken | undefined;
  for (const token of tokens) {
    // Every entry is compared, also after a match.
    if (timingSafeEqual(digest, token.digest) && found === undefined) found = token;
  }
  return given === '' ? undefined : found;
}

/** Whether one token matches (the single-token form). */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  if (token === '') return false;
  return matchToken(authorization, [{ name: DEFAULT_TOKEN_NAME, scope: 'write', digest: tokenDigest(token) }]) !== undefined;
}

/** Methods that only read. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a token of `scope` may send a request with `method`. */
export function scopeAllows(scope: Scope, method: string): boolean {
  return scope === 'write' || READ_METHODS.has(method);
}
