/**
 * The admin API's request handling, independent of the HTTP server: a request record in, a response record
 * out. Profile reads come from the profile in force; writes go through the store (compare-and-swap), one at a
 * time per profile within this process, and a write without If-Match that loses a race with another
 * instance is applied again on the fresh profile. Every write is recorded in the store's history with the
 * request's actor and address; `GET /v1/history` serves it.
 */
import { parseAddress } from '../cidr/parse.js';
import { formatAddress, socketAddress } from '../cidr/format.js';
import { IpgateError } from '../errors.js';
import { httpStatus } from '../errors/catalogue.js';
import { ProfileInvalidError, type CompiledProfile } from '../policy/decide.js';
import { ProfileCache } from '../policy/profile-cache.js';
import { toWire } from '../policy/entry-info.js';
import { diffEntries, profileDiff, type ProfileDiff } from '../policy/profile-diff.js';
import type { Profile } from '../policy/profile.js';
import { checkProfileName } from '../policy/profile-name.js';
import { MAX_HISTORY_LIMIT, type ChangeOrigin } from '../store/history.js';
import type { ProfileProblem } from '../policy/validate.js';
import type { ProfileStore, StoreSnapshot } from '../store/types.js';
import type { ProfileState } from '../runtime/profile-state.js';
import type { RefusalRecord } from '../runtime/refusal-ring.js';
import type { Logger } from '../runtime/log.js';
import { AddressClassifier } from '../net/address-class.js';
import { checkScope, identify, type AccessRules } from './access.js';
import type { FleetStatus } from '../runtime/fleet-status.js';
import { ApiError } from './api-error.js';
import { DEFAULT_TOKEN_NAME, tokenDigest, type AdminToken, type Identity } from './auth.js';
import { healthAnswer } from './health.js';
import { refusalsBody } from './refusals-api.js';
import { matchesBody } from './matches-api.js';
import type { MatchRecord } from '../runtime/match-log.js';
import { addressWarnings, type ListenerView, type SeenVia } from './whoami.js';
import { parsePatchBody, parseProfileBody } from './body.js';
import { checkLockout } from './lockout.js';
import { EXPORT_PARAMS, exportAnswer } from './export-api.js';
import { enforcedName, listProfiles, namedPath, otherProfile } from './named-profiles.js';
import { applyPatch } from './patch.js';
import { checkQuery, flag } from './query.js';
import { errorResponse, json, type AdminResponse } from './response.js';
import { isSourceReference, NO_SOURCES, sourcesRoute, type AdminSources } from './sources-api.js';
import { storeErrorResponse } from './store-error.js';
import { uiResponse, type UiAssets } from './ui-assets.js';
import { WriteQueue } from './write-queue.js';
import { retryLostRaces } from './write-retry.js';

export type { AdminResponse } from './response.js';

export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization?: string | undefined;
  readonly ifMatch?: string | undefined;
  readonly body: string;
  /** The caller's address as the admin server sees it (the one a trusted balancer's PROXY header carried). */
  readonly remoteAddress: string;
  /** Who the caller is (a token's name, a client certificate's subject), as recorded in the history. */
  readonly actor?: string | undefined;
  /** The subject of the caller's verified client certificate (`CN=alice,O=ops`). */
  readonly clientSubject?: string | undefined;
  /** How the caller's address was seen (absent: directly, from remoteAddress). */
  readonly seenVia?: SeenVia | undefined;
}

export interface AdminDeps {
  readonly store: ProfileStore;
  readonly state: ProfileState;
  /** The one write token (named `default`); `tokens` instead gives the named tokens in force. */
  readonly token?: string;
  /** The tokens in force, read at each request (a SIGHUP applies at once). */
  readonly tokens?: () => readonly AdminToken[];
  /** Whether /metrics needs a token (a metrics listener serves it without one). */
  readonly metricsNeedToken?: boolean;
  /** The gateway's listeners, for whoami's warnings. */
  readonly listeners?: () => readonly ListenerView[];
  /** The data plane's most recent refusals; absent when it does not report them (HAProxy). */
  readonly refusals?: () => RefusalRecord[];
  /** Per listener and entry, the connections it admitted; absent when the data plane cannot tell (HAProxy, nftables). */
  readonly matches?: () => MatchRecord[];
  /** Where accepted and refused changes are logged, with their actor. */
  readonly log?: Logger;
  readonly metrics: () => Promise<{ contentType: string; text: string }>;
  readonly ready: () => boolean;
  /**
   * Resolves once the profile in force is enforced by the data plane (HAProxy); throws an IpgateError when
   * the data plane refused it (the change is stored, the data plane keeps its last list and retries).
   */
  readonly settled?: () => Promise<void>;
  /** Range sources, when configured: references in the profile, explain's reference/source, /v1/sources. */
  readonly sources?: AdminSources;
  /** Validates and compiles profiles (shared with the store and the profile state; default: its own). */
  readonly profiles?: ProfileCache;
  /** Writes to a profile one at a time (shared with the other writers of this process; default: its own). */
  readonly writes?: WriteQueue;
  /** The clock (ms since the epoch), for expiry times in requests. */
  readonly now?: () => number;
  /** The fleet view: every instance sharing the store, stale ones flagged (`GET /v1/status`). */
  readonly status?: () => Promise<FleetStatus>;
  /** The dashboard's files, served under `/ui/` (absent: no dashboard). */
  readonly ui?: UiAssets;
}

/** The query parameters of profile writes (PUT/PATCH). */
const WRITE_PARAMS = ['dryRun', 'force'] as const;

/** Records `GET /v1/history` answers without `limit`. */
const DEFAULT_HISTORY_LIMIT = 50;

/** Who a request is recorded as in the history. */
function originOf(request: AdminRequest): ChangeOrigin {
  return { actor: request.actor ?? 'admin', address: socketAddress(request.remoteAddress), path: 'admin-api' };
}

/** `?limit=N` of a history read: a whole number from 1 to MAX_HISTORY_LIMIT. */
function historyLimit(query: URLSearchParams): number {
  const text = query.get('limit');
  if (text === null) return DEFAULT_HISTORY_LIMIT;
  const n = /^[1-9]\d{0,6}$/.test(text) ? Number(text) : NaN;
  if (!(n <= MAX_HISTORY_LIMIT)) throw new ApiError('ERR_QUERY', `?limit= must be a whole number from 1 to ${MAX_HISTORY_LIMIT}, got "${text}"`);
  return n;
}

export function etagOf(revision: string): string {
  return `"${revision}"`;
}


function verdictBody(compiled: CompiledProfile, address: string): Record<string, unknown> {
  const canonical = formatAddress(parseAddress(address));
  const verdict = compiled.decide(canonical);
  return { address: canonical, allowed: verdict.allowed, reason: verdict.reason, matched: verdict.matched ?? null };
}

export class AdminApi {
  private readonly writes: WriteQueue;

  private readonly profiles: ProfileCache;

  private readonly access: AccessRules;

  private readonly classifier = new AddressClassifier();

  constructor(private readonly deps: AdminDeps) {
    this.profiles = deps.profiles ?? new ProfileCache();
    const single: readonly AdminToken[] = deps.token === undefined || deps.token === '' ? [] : [{ name: DEFAULT_TOKEN_NAME, scope: 'write', digest: tokenDigest(deps.token) }];
    this.access = { tokens: deps.tokens ?? (() => single), metricsNeedToken: deps.metricsNeedToken ?? false };
    this.writes = deps.writes ?? new WriteQueue();
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async handle(request: AdminRequest): Promise<AdminResponse> {
    let answer: AdminResponse;
    let actor: string | undefined;
    try {
      const identity = identify(request, this.access);
      actor = identity?.actor;
      checkScope(identity, request);
      answer = await this.route(identity === undefined ? request : { ...request, actor: identity.actor }, identity);
    } catch (error) {
      if (error instanceof ApiError) answer = errorResponse(error);
      else if (error instanceof IpgateError) answer = storeErrorResponse(error);
      else answer = json(httpStatus('ERR_INTERNAL'), { code: 'ERR_INTERNAL', message: error instanceof Error ? error.message : String(error) });
    }
    this.logChange(request, answer, actor);
    return answer;
  }

  /** Changes (and attempts refused for their scope) are logged with who asked, from which address. */
  private logChange(request: AdminRequest, answer: AdminResponse, actor: string | undefined): void {
    if (this.deps.log === undefined || !request.path.startsWith('/v1/') || request.method === 'GET' || answer.status === 401) return;
    this.deps.log(answer.status === 403 ? 'warn' : 'info', 'admin-request', {
      method: request.method,
      path: request.path,
      status: answer.status,
      actor: actor ?? null,
      address: socketAddress(request.remoteAddress),
      ...(request.seenVia?.proxyProtocol === true ? { peer: request.seenVia.peer } : {}),
      ...(request.query.get('dryRun') === null ? {} : { dryRun: request.query.get('dryRun') }),
    });
  }

  /**
   * The answer a request gets from its head alone, before any of its body is read: 401 for a path that needs
   * a token without one in force, 403 for a change with a read token (so such a caller never gets a body
   * read). undefined: go on.
   */
  refuseEarly(path: string, method: string, authorization: string | undefined, clientSubject?: string): AdminResponse | undefined {
    const caller = { path, method, authorization, clientSubject };
    let identity: Identity | undefined;
    try {
      identity = identify(caller, this.access);
      checkScope(identity, caller);
      return undefined;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const answer = errorResponse(error);
      if (identity !== undefined) this.deps.log?.('warn', 'admin-request', { method, path, status: answer.status, actor: identity.actor });
      return answer;
    }
  }

  /** Whether a request to `path` may carry a body worth reading (only authenticated `/v1/` routes take one). */
  static takesBody(path: string): boolean {
    return path.startsWith('/v1/');
  }

  private async route(request: AdminRequest, identity: Identity | undefined): Promise<AdminResponse> {
    const { path, method } = request;
    const health = await healthAnswer(path, this.deps);
    if (health !== undefined) return health;
    if ((path === '/ui' || path.startsWith('/ui/')) && this.deps.ui !== undefined) {
      if (method !== 'GET' && method !== 'HEAD') throw new ApiError('ERR_METHOD', `${method} is not supported on ${path} (use GET, HEAD)`);
      return uiResponse(this.deps.ui, path);
    }
    if (!path.startsWith('/v1/')) throw new ApiError('ERR_NOT_FOUND', `No such endpoint: ${path}`);
    /** Checks the method, then the query parameters this route takes for it. */
    const allow = (methods: string[], params: (m: string) => readonly string[] = () => []): void => {
      if (!methods.includes(method)) throw new ApiError('ERR_METHOD', `${method} is not supported on ${path} (use ${methods.join(', ')})`);
      checkQuery(request.query, params(method), `${method} ${path}`);
    };
    const writeParams = (m: string): readonly string[] => (m === 'GET' ? [] : WRITE_PARAMS);
    const named = namedPath(path);
    if (named !== undefined && named !== enforcedName(this.deps.store)) {
      // `force` is taken (the CLI sends it) but changes nothing: lockout protection is about the profile
      // this instance enforces.
      allow(['GET', 'PUT', 'PATCH'], writeParams);
      const dryRun = flag(request.query, 'dryRun');
      flag(request.query, 'force');
      const once = (): ReturnType<typeof otherProfile> => otherProfile(this.deps.store, named, method, request.body, request.ifMatch, dryRun, originOf(request), this.now());
      const answer = method === 'GET' ? await once() : await this.writes.run(`profile:${named}`, () => (request.ifMatch === undefined ? retryLostRaces(once) : once()));
      return json(answer.status, answer.body, answer.etag === undefined ? {} : { etag: answer.etag });
    }
    switch (named === undefined ? path : '/v1/profile') {
      case '/v1/profiles':
        allow(['GET']);
        return json(200, await listProfiles(this.deps.store));
      case '/v1/profile':
        allow(['GET', 'PUT', 'PATCH'], writeParams);
        if (method === 'GET') return this.getProfile();
        return this.update(request);
      case '/v1/explain': {
        allow(['GET'], () => ['ip']);
        const ip = request.query.get('ip');
        if (ip === null || ip === '') throw new ApiError('ERR_USAGE', 'Give the address to explain as ?ip=ADDRESS');
        return json(200, this.explain(ip));
      }
      case '/v1/history': {
        allow(['GET'], () => ['limit', 'profile']);
        const limit = historyLimit(request.query);
        const name = request.query.get('profile');
        if (name !== null) {
          try {
            checkProfileName(name, '?profile=');
          } catch (error) {
            throw new ApiError('ERR_PROFILE_NAME', error instanceof Error ? error.message : String(error));
          }
        }
        return json(200, { history: await this.deps.store.history({ limit, ...(name === null ? {} : { profile: name }) }) });
      }
      case '/v1/whoami':
        allow(['GET']);
        return json(200, this.whoami(request, identity));
      case '/v1/refusals':
        allow(['GET']);
        return json(200, refusalsBody(this.deps.refusals?.(), (address) => this.explain(address)));
      case '/v1/matches':
        allow(['GET']);
        return json(200, matchesBody(this.deps.matches?.()));
      case '/v1/status':
        allow(['GET']);
        if (this.deps.status === undefined) throw new ApiError('ERR_NOT_FOUND', `No such endpoint: ${path}`);
        return json(200, await this.deps.status());
      case '/v1/export':
        allow(['GET'], () => EXPORT_PARAMS);
        return json(200, exportAnswer(this.deps.store.get().profile, request.query, this.deps.sources));
      case '/v1/sources':
        allow(['GET'], () => ['ranges']);
        return json(200, await sourcesRoute(path, method, this.deps.sources, flag(request.query, 'ranges')));
      case '/v1/sources/sync':
        allow(['POST']);
        return json(200, await sourcesRoute(path, method, this.deps.sources));
      default:
        throw new ApiError('ERR_NOT_FOUND', `No such endpoint: ${path}`);
    }
  }

  /** The caller's verdict, how its address was seen, who it is, and why the address may not be the gateway's view. */
  private whoami(request: AdminRequest, identity: Identity | undefined): Record<string, unknown> {
    const address = socketAddress(request.remoteAddress);
    const verdict = this.explain(address);
    const seenBy: SeenVia = request.seenVia ?? { listener: 'admin', peer: address, proxyProtocol: false };
    return {
      ...verdict,
      seenBy,
      actor: identity?.actor ?? null,
      scope: identity?.scope ?? null,
      warnings: addressWarnings(String(verdict['address'] ?? address), this.deps.listeners?.() ?? [], this.classifier),
    };
  }

  private explain(ip: string): Record<string, unknown> {
    try {
      const body = verdictBody(this.deps.state.current.compiled, ip);
      return { ...body, ...this.deps.sources?.explainFields(body['matched'] as string | null) };
    } catch (error) {
      if (error instanceof IpgateError) {
        throw new ApiError(error.code, error.message, [{ entry: ip, code: error.code, message: error.message, ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }) }]);
      }
      throw error;
    }
  }

  private getProfile(): AdminResponse {
    const snapshot = this.deps.store.get();
    return json(200, toWire(snapshot.profile), { etag: etagOf(snapshot.revision) });
  }

  private checkIfMatch(ifMatch: string | undefined, snapshot: StoreSnapshot): void {
    if (ifMatch === undefined) return;
    const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (tags.includes('*') || tags.includes(etagOf(snapshot.revision))) return;
    throw new ApiError('ERR_PRECONDITION', `If-Match ${ifMatch} is stale: the profile is now at ${etagOf(snapshot.revision)}; read it again and retry`);
  }

  private compileChecked(profile: Profile): CompiledProfile {
    const result = this.profiles.validate(profile, { target: 'ipgate', reference: this.deps.sources?.reference ?? NO_SOURCES });
    if (result.valid && this.deps.sources !== undefined) {
      try {
        return this.deps.sources.compile(profile);
      } catch (error) {
        if (error instanceof ProfileInvalidError) throw this.invalid(error.problems);
        throw error;
      }
    }
    if (!result.valid) throw this.invalid(result.problems);
    return this.profiles.compile(profile);
  }

  private invalid(problems: readonly ProfileProblem[]): ApiError {
    return new ApiError(
      'ERR_PROFILE_INVALID',
      `The profile has ${problems.length} problem(s); nothing was changed`,
      problems.map((p) => ({
        entry: p.entry ?? '',
        code: p.code,
        message: p.message,
        ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }),
        ...(p.field === undefined ? {} : { field: p.field }),
        ...(p.index === undefined ? {} : { index: p.index }),
      })),
    );
  }

  /**
   * PUT/PATCH of the enforced profile. Writes of this process are queued (each reads the profile the one
   * before it wrote); without If-Match, a race lost to a writer elsewhere (another instance, the store file
   * edited on disk) is re-read and re-applied. The data plane is awaited outside the queue.
   */
  private async update(request: AdminRequest): Promise<AdminResponse> {
    const dryRun = flag(request.query, 'dryRun');
    const force = flag(request.query, 'force');
    const once = (): Promise<AdminResponse> => this.updateOnce(request, dryRun, force);
    const answer = await this.writes.run(`profile:${enforcedName(this.deps.store)}`, () => (request.ifMatch === undefined ? retryLostRaces(once) : once()));
    if (!dryRun && this.deps.settled !== undefined) {
      try {
        await this.deps.settled();
      } catch (error) {
        // The data plane's own code when it gave one (ERR_HAPROXY_...); all of them answer 502.
        const code = error instanceof IpgateError ? error.code : 'ERR_DATAPLANE';
        const why = error instanceof Error ? error.message : String(error);
        throw new ApiError(code, `The change is stored but the data plane does not enforce it yet: ${why}`);
      }
    }
    return answer;
  }

  private async updateOnce(request: AdminRequest, dryRun: boolean, force: boolean): Promise<AdminResponse> {
    await this.deps.store.prepareWrite?.();
    const snapshot = this.deps.store.get();
    let next: Profile;
    let diff: ProfileDiff;
    if (request.method === 'PUT') {
      const body = parseProfileBody(request.body, this.now());
      diff = profileDiff(snapshot.profile, body);
      next = this.deps.store.arrange?.(body, diff) ?? body;
    } else {
      ({ profile: next, diff } = applyPatch(snapshot.profile, parsePatchBody(request.body, this.now()), this.deps.sources?.isReference ?? isSourceReference));
    }
    const [added, removed, updated] = [diffEntries(diff, 'added'), diffEntries(diff, 'removed'), diffEntries(diff, 'updated')];
    const compiled = this.compileChecked(next);
    this.checkIfMatch(request.ifMatch, snapshot);
    checkLockout(this.deps.state.current.compiled, compiled, socketAddress(request.remoteAddress), force);
    if (dryRun) {
      return json(200, { dryRun: true, profile: toWire(next), added, removed, updated }, { etag: etagOf(snapshot.revision) });
    }
    const written = await this.deps.store.compareAndSwap(snapshot.revision, next, originOf(request), diff);
    return json(200, { dryRun: false, profile: toWire(written.profile), added, removed, updated }, { etag: etagOf(written.revision) });
  }
}
