/**
 * Who may ask what of the admin API, decided from a request's head: `/v1/` needs a token in force (401
 * ERR_UNAUTHORIZED), and a change (PUT, PATCH, POST) needs a write token (403 ERR_FORBIDDEN for a read
 * token); `/metrics` needs a token too when a separate metrics listener serves it without one. The caller is
 * named by its client certificate's subject when it presented one, else by its token's name.
 */
import { ApiError } from './api-error.js';
import { matchToken, scopeAllows, type AdminToken, type Identity } from './auth.js';

export interface AccessRules {
  /** The tokens in force (read at each request: a SIGHUP applies at once). */
  readonly tokens: () => readonly AdminToken[];
  /** Whether `/metrics` needs a token (a metrics listener serves it without one). */
  readonly metricsNeedToken: boolean;
}

export interface Caller {
  readonly path: string;
  readonly method: string;
  readonly authorization?: string | undefined;
  /** The verified client certificate's subject, when there is one. */
  readonly clientSubject?: string | undefined;
}

/** Whether a path needs a token. */
export function needsToken(path: string, rules: AccessRules): boolean {
  return path.startsWith('/v1/') || (path === '/metrics' && rules.metricsNeedToken);
}

/** The caller's identity, undefined for a path that needs none; throws 401 without a token in force. */
export function identify(caller: Caller, rules: AccessRules): Identity | undefined {
  if (!needsToken(caller.path, rules)) return undefined;
  const token = matchToken(caller.authorization, rules.tokens());
  if (token === undefined) throw new ApiError('ERR_UNAUTHORIZED', 'Missing or wrong bearer token (send "Authorization: Bearer <token>")');
  return { actor: caller.clientSubject ?? token.name, token: token.name, scope: token.scope };
}

/** Throws 403 ERR_FORBIDDEN when the identity's scope does not allow the method. */
export function checkScope(identity: Identity | undefined, caller: Caller): void {
  if (identity === undefined || scopeAllows(identity.scope, caller.method)) return;
  throw new ApiError('ERR_FORBIDDEN', `The token "${identity.token}" has scope ${identity.scope}: it may read (GET) but not ${caller.method} ${caller.path}; use a token with scope write`);
}
