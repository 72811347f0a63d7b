/**
 * `ipgate ranges add --mine`: the caller's own address as the gateway's admin API sees it (`GET /v1/whoami`:
 * directly, or carried by a trusted balancer's PROXY header), as a /32 or /128 entry with an expiry time
 * (default 8h) and a note naming the caller. Refused (ERR_MINE_ADDRESS) when whoami warns that this is not
 * the address the gateway judges: adding it would not let the caller in, and would admit someone else.
 */
import { IpgateError } from '../errors.js';
import { adminRequest, isVerdictBody, unexpectedAnswer, type ServerTarget } from './client.js';
import { whoamiOf } from './whoami-view.js';

/** The expiry of `--mine` when none is given. */
export const MINE_DEFAULT_EXPIRES = '8h';

export interface MineEntry {
  readonly range: string;
  readonly expires: string;
  readonly note: string;
}

/** The caller's address as the admin API sees it, as an entry; throws ERR_MINE_ADDRESS when it is not the gateway's view. */
export async function mineEntry(target: ServerTarget, options: { readonly expires: string; readonly note?: string | undefined }): Promise<MineEntry> {
  const { expires } = options;
  const res = await adminRequest(target, 'GET', '/v1/whoami');
  if (!isVerdictBody(res.body)) throw unexpectedAnswer('GET /v1/whoami', target.baseUrl);
  const who = whoamiOf(res.body as typeof res.body & Record<string, unknown>);
  const warning = who.warnings[0];
  if (warning !== undefined) {
    throw new IpgateError('ERR_MINE_ADDRESS', `ranges add --mine: nothing was added: ${warning.message} (${warning.code})`, {
      input: who.address,
      suggestion: "find the address the gateway refuses in 'ipgate refusals' and add that with 'ipgate ranges add ADDRESS --expires 8h'",
    });
  }
  const actor = who.actor ?? 'unknown';
  const note = options.note === undefined ? `${actor}, added with ranges add --mine` : `${options.note} (${actor})`;
  return { range: `${who.address}/${who.address.includes(':') ? 128 : 32}`, expires, note };
}
