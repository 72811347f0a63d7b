/** Bearer-token check in constant time (both sides hashed first, so lengths leak nothing either). */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function bearerMatches(authorization: string | undefined, token: string): boolean {
  if (authorization === undefined || token === '') return false;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  const given = match?.[1] ?? '';
  const ok = timingSafeEqual(digest(given), digest(token));
  return ok && given !== '';
}
