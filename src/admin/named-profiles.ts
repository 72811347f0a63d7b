/**
 * Named profiles (stores holding several, e.g. one per cluster in one etcd): `GET /v1/profiles` lists them,
 * `/v1/profiles/NAME` reads and changes one. The profile this gateway enforces is served by the main profile
 * routes (lockout protection included); another cluster's profile is read and written straight in the store,
 * compare-and-swap on its own revision (`If-Match: "0"` or no If-Match creates a missing one).
 */
import { IpgateError } from '../errors.js';
import type { Profile } from '../policy/profile.js';
import { toWire } from '../policy/entry-info.js';
import type { ChangeOrigin, NamedProfileInfo, ProfileStore } from '../store/types.js';
import { ABSENT_REVISION } from '../store/etcd-keys.js';
import { checkProfileName } from '../policy/profile-name.js';
import { ApiError } from './api-error.js';
import { parsePatchBody, parseProfileBody } from './body.js';
import { applyPatch } from './patch.js';

export interface NamedAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly etag?: string;
}

/** The name of the profile a store enforces. */
export function enforcedName(store: ProfileStore): string {
  return store.profileName ?? 'default';
}

/** `/v1/profiles/NAME` -> NAME (decoded), else undefined. */
export function namedPath(path: string): string | undefined {
  const match = /^\/v1\/profiles\/([^/]+)$/.exec(path);
  if (match?.[1] === undefined) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(match[1]);
  } catch {
    throw new ApiError('ERR_PROFILE_NAME', `Profile name in ${path} is not valid`);
  }
  try {
    return checkProfileName(name);
  } catch (error) {
    throw new ApiError('ERR_PROFILE_NAME', error instanceof Error ? error.message : String(error));
  }
}

export async function listProfiles(store: ProfileStore): Promise<{ profiles: NamedProfileInfo[] }> {
  if (store.listProfiles !== undefined) return { profiles: await store.listProfiles() };
  return { profiles: [{ name: enforcedName(store), revision: store.get().revision, enforced: true, valid: true }] };
}

function quoted(revision: string): string {
  return `"${revision}"`;
}

function expectedOf(ifMatch: string | undefined, current: string): string {
  if (ifMatch === undefined) return current;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags.includes('*')) return current;
  const tag = tags[0] ?? '';
  return tag.replace(/^"|"$/g, '');
}

/** GET/PUT/PATCH on another named profile of the store (not the one this gateway enforces). */
export async function otherProfile(
  store: ProfileStore,
  name: string,
  method: string,
  body: string,
  ifMatch: string | undefined,
  dryRun: boolean,
  origin: ChangeOrigin,
  now: number,
): Promise<NamedAnswer> {
  const read = store.readNamed?.bind(store);
  const write = store.compareAndSwapNamed?.bind(store);
  if (read === undefined || write === undefined) {
    throw new ApiError('ERR_PROFILE_NOT_FOUND', `This gateway's store (${store.description}) holds one profile, "${enforcedName(store)}"; there is no profile "${name}"`);
  }
  const current = await read(name);
  if (method === 'GET') {
    if (current === undefined) throw new ApiError('ERR_PROFILE_NOT_FOUND', `No profile "${name}" in ${store.description}; create it with PUT`);
    return { status: 200, body: toWire(current.profile), etag: quoted(current.revision) };
  }
  let next: Profile;
  if (method === 'PUT') next = parseProfileBody(body, now);
  else {
    if (current === undefined) throw new ApiError('ERR_PROFILE_NOT_FOUND', `No profile "${name}" to change; create it with PUT`);
    next = applyPatch(current.profile, parsePatchBody(body, now)).profile;
  }
  const revision = current?.revision ?? ABSENT_REVISION;
  const expected = expectedOf(ifMatch, revision);
  if (expected !== revision) {
    throw new IpgateError('ERR_PRECONDITION', `If-Match ${ifMatch ?? ''} is stale: profile "${name}" is now at ${quoted(revision)}; read it again and retry`, { input: ifMatch ?? '' });
  }
  if (dryRun) return { status: 200, body: { dryRun: true, profile: toWire(next) }, etag: quoted(revision) };
  const written = await write(name, expected, next, origin);
  return { status: 200, body: { dryRun: false, profile: toWire(written.profile) }, etag: quoted(written.revision) };
}
