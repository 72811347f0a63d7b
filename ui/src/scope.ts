/**
 * What the signed-in token may do, as the server says (`GET /v1/whoami` reports its `scope`): changes are
 * enabled for scope `write` only, and otherwise the page says why they are not. Pure.
 */

export interface Whoami {
  readonly actor?: string | null;
  readonly scope?: string | null;
}

/** Why the signed-in token may not change anything, from what `GET /v1/whoami` says of it (undefined: it may). */
export function readOnlyReason(who: Whoami | undefined, failure: string | undefined): string | undefined {
  if (who === undefined) {
    return failure === undefined ? 'Changes are disabled until the server says what this token may do.' : `Changes are disabled: what this token may do could not be checked (${failure}).`;
  }
  if (who.scope === 'write') return undefined;
  const name = who.actor === undefined || who.actor === null ? 'this token' : who.actor;
  return `Read only: signed in as ${name}, a token of scope ${who.scope ?? 'unknown'}. Every page shows its data; changes need a token of scope write (the admin API refuses them: 403 ERR_FORBIDDEN).`;
}
