/**
 * Overview: what is enforced and whether it is healthy. The profile (revision, entries, what references
 * expand to), its last change, each listener's traffic, the store and the range sources, the caller's own
 * verdict, and with a shared store the fleet: each instance with the revision it enforces (stale ones
 * flagged). Each part loads on its own: one that fails says so without hiding the others.
 */
import type { ComponentChildren } from 'preact';
import type { FleetStatus } from '../../../src/runtime/fleet-status.js';
import type { ChangeRecord } from '../../../src/store/history.js';
import { useSession } from '../context.js';
import { entryText, type WireEntry, type WireProfile } from '../entries.js';
import { useLoad } from '../load.js';
import { listenerSummaries, parseSamples } from '../prom.js';
import { PageHeading, relative, Show, when } from '../widgets.js';

interface Verdict {
  readonly address: string;
  readonly allowed: boolean;
  readonly reason: string;
  readonly matched: string | null;
  readonly reference?: string;
  readonly actor?: string;
  readonly scope?: string;
}

interface SourceView {
  readonly name: string;
  readonly type: string;
  readonly available: boolean;
  readonly prefixCount: number;
  readonly lastSuccess: string | null;
  readonly lastError: { code: string; message: string } | null;
  readonly references?: ReadonlyArray<{ entry: string; prefixes?: number; problem?: string }>;
}

/** A record of GET /v1/history: the server's own type. */
export type { ChangeRecord };

export function changeSummary(c: ChangeRecord): string {
  const list = (items: readonly WireEntry[], count: number, sign: string): string =>
    count === 0 ? '' : `${sign}${items.slice(0, 3).map(entryText).join(`, ${sign}`)}${count > 3 ? ` and ${count - 3} more` : ''}`;
  return [list(c.added, c.addedCount, '+'), list(c.removed, c.removedCount, '−')].filter((s) => s !== '').join(' ') || 'no entries changed';
}

export function OverviewPage(): ComponentChildren {
  const { api } = useSession();
  const [profile] = useLoad(() => api.get<WireProfile>('/v1/profile'), []);
  const [me] = useLoad(() => api.get<Verdict>('/v1/whoami').then((a) => a.data), []);
  const [ready] = useLoad(() => fetch('/readyz', { cache: 'no-store' }).then((r) => r.json() as Promise<{ status: string; store?: { detail: string | null } }>), []);
  const [sources] = useLoad(() => api.get<{ sources: readonly SourceView[] }>('/v1/sources').then((a) => a.data.sources), []);
  const [listeners] = useLoad(() => api.text('/metrics').then((t) => listenerSummaries(parseSamples(t))), []);
  const [last] = useLoad(() => api.get<{ history: readonly ChangeRecord[] }>('/v1/history?limit=1').then((a) => a.data.history[0]), []);
  const [fleet] = useLoad(() => api.get<FleetStatus>('/v1/status').then((a) => a.data), []);

  return (
    <>
      <PageHeading title="Overview" />
      <div class="grid">
        <section class="card" aria-labelledby="profile-title">
          <h2 id="profile-title">Profile in force</h2>
          <Show loaded={profile} what="the profile">
            {(p) => {
              const authorized = p.data.authorizedIpRanges.length;
              const state = authorized === 0 ? 'disabled: every source is allowed' : authorized === 1 && entryText(p.data.authorizedIpRanges[0] ?? '') === '0.0.0.0/32' ? 'egress only' : 'enforcing';
              return (
                <dl>
                  <dt>Revision</dt><dd data-testid="overview-revision">{p.etag ?? '?'}</dd>
                  <dt>State</dt><dd class={authorized === 0 ? 'warning' : ''}>{state}</dd>
                  <dt>Authorized entries</dt><dd data-testid="overview-authorized">{authorized}</dd>
                  <dt>Egress entries</dt><dd>{p.data.egressIpRanges.length}</dd>
                </dl>
              );
            }}
          </Show>
          <Show loaded={sources} what="range sources">
            {(list) => {
              const refs = list.flatMap((s) => (s.references ?? []).map((r) => ({ ...r, source: s.name })));
              return refs.length === 0 ? null : (
                <>
                  <h3>References</h3>
                  <ul>{refs.map((r) => <li key={r.entry}><code>{r.entry}</code>: {r.problem ?? `${r.prefixes ?? 0} prefixes`}</li>)}</ul>
                </>
              );
            }}
          </Show>
        </section>
        <section class="card" aria-labelledby="last-title">
          <h2 id="last-title">Last change</h2>
          <Show loaded={last} what="the change history">
            {(c) => c === undefined ? <p class="muted">No change recorded yet.</p> : (
              <dl>
                <dt>Who</dt><dd>{c.actor}{c.address === null ? '' : ` from ${c.address}`} ({c.path})</dd>
                <dt>When</dt><dd>{when(c.time)} ({relative(c.time)})</dd>
                <dt>What</dt><dd>{changeSummary(c)}</dd>
              </dl>
            )}
          </Show>
        </section>
        <section class="card" aria-labelledby="you-title">
          <h2 id="you-title">You</h2>
          <Show loaded={me} what="your verdict">
            {(v) => (
              <p>
                Seen as <code>{v.address}</code>{v.actor === undefined ? '' : ` (${v.actor}${v.scope === undefined ? '' : `, ${v.scope} scope`})`}:{' '}
                <strong class={v.allowed ? 'ok' : 'error'}>{v.allowed ? 'allowed' : 'refused'}</strong> ({v.reason}{v.matched === null ? '' : `, by ${v.matched}`}).
              </p>
            )}
          </Show>
        </section>
        <section class="card" aria-labelledby="listeners-title">
          <h2 id="listeners-title">Listeners</h2>
          <Show loaded={listeners} what="listener metrics">
            {(ls) => ls.length === 0 ? <p class="muted">No listener has judged a connection yet.</p> : (
              <table>
                <thead><tr><th scope="col">Listener</th><th scope="col">Enforces</th><th scope="col">Allowed</th><th scope="col">Refused</th><th scope="col">Open</th></tr></thead>
                <tbody>
                  {ls.map((l) => (
                    <tr key={l.name}>
                      <td>{l.name}</td>
                      <td>{l.notEnforced > 0 ? <span class="warning">no (enforce: false)</span> : 'yes'}</td>
                      <td>{l.allowed}</td><td>{l.refused}</td><td>{l.open}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Show>
        </section>
        <section class="card" aria-labelledby="health-title">
          <h2 id="health-title">Store and sources</h2>
          <Show loaded={ready} what="readiness">
            {(r) => <p>Gateway: <strong class={r.status === 'ready' ? 'ok' : 'warning'}>{r.status}</strong>{r.store?.detail ? ` (store: ${r.store.detail})` : ''}</p>}
          </Show>
          <Show loaded={sources} what="range sources">
            {(list) => list.length === 0 ? <p class="muted">No range sources configured.</p> : (
              <ul>
                {list.map((s) => (
                  <li key={s.name}>
                    {s.name} ({s.type}): {s.available ? `${s.prefixCount} prefixes, synced ${relative(s.lastSuccess)}` : 'no data'}
                    {s.lastError === null ? null : <span class="error"> — {s.lastError.message} ({s.lastError.code})</span>}
                  </li>
                ))}
              </ul>
            )}
          </Show>
        </section>
        <section class="card wide" aria-labelledby="fleet-title">
          <h2 id="fleet-title">Fleet</h2>
          <Show loaded={fleet} what="the fleet view">
            {(f) => (
              <>
                <p>Newest revision {f.revision}; {f.instances.length} instance(s), {f.stale} stale.{f.problem === null ? '' : ` ${f.problem}`}</p>
                <table data-testid="fleet-table">
                  <thead><tr><th scope="col">Instance</th><th scope="col">Listeners</th><th scope="col">Revision</th><th scope="col">Store</th><th scope="col">Last seen</th><th scope="col">Problem</th></tr></thead>
                  <tbody>
                    {f.instances.map((i) => (
                      <tr key={i.id} class={i.stale ? 'stale' : ''}>
                        <td>{i.id}{i.self ? ' (this one)' : ''}</td>
                        <td>{i.listeners.join(', ')}</td>
                        <td>{i.revision}</td>
                        <td>{i.store.up ? 'up' : `degraded${i.store.detail === null ? '' : `: ${i.store.detail}`}`}</td>
                        <td>{i.lastSeenSeconds < 0 ? '?' : `${i.lastSeenSeconds} s ago`}</td>
                        <td>{i.stale ? <strong class="error">stale: {i.problem}</strong> : ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </Show>
        </section>
      </div>
    </>
  );
}
