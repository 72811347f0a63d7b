/**
 * Refusals: the most recent refused sources (address, listener, count, last seen) with the server's explain
 * verdict, and a one-click "allow this address" that opens the same dry-run review, with an expiry. A data
 * plane that does not report refusals (HAProxy, nftables) is shown as such, with the server's note.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ChangeReview, type Patch } from '../change.js';
import { useSession } from '../context.js';
import type { WireProfile } from '../entries.js';
import { useLoad } from '../load.js';
import { readRefusals } from '../refusals-data.js';
import { PageHeading, relative, Show, when } from '../widgets.js';

const HOURS = [1, 8, 24, 168] as const;

export function RefusalsPage(): ComponentChildren {
  const { api, canWrite, readOnly } = useSession();
  const [loaded, reload] = useLoad(() => api.get<unknown>('/v1/refusals').then((a) => readRefusals(a.data)), []);
  const [hours, setHours] = useState<number>(8);
  const [pending, setPending] = useState<{ patch: Patch; etag: string | null; key: number } | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);

  const allow = async (address: string): Promise<void> => {
    setDone(undefined);
    const current = await api.get<WireProfile>('/v1/profile');
    const expires = new Date(Date.now() + hours * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    setPending({ patch: { add: [{ range: address, expires, note: `allowed from the Refusals page` }] }, etag: current.etag, key: Date.now() });
  };

  return (
    <>
      <PageHeading title="Refusals" />
      <section class="card" aria-labelledby="refused-title">
        <h2 id="refused-title">Recently refused sources</h2>
        <div class="field inline">
          <label for="allow-hours">Allow for</label>
          <select id="allow-hours" value={String(hours)} onChange={(e) => setHours(Number((e.target as HTMLSelectElement).value))}>
            {HOURS.map((h) => <option key={h} value={String(h)}>{h < 24 ? `${h} hour${h === 1 ? '' : 's'}` : `${h / 24} day${h === 24 ? '' : 's'}`}</option>)}
          </select>
          <button type="button" onClick={reload}>Refresh</button>
        </div>
        {pending === undefined ? null : (
          <ChangeReview
            key={pending.key}
            patch={pending.patch}
            etag={pending.etag}
            onCancel={() => setPending(undefined)}
            onReloaded={() => undefined}
            onApplied={(_profile, etag) => {
              setPending(undefined);
              setDone(`Applied; the profile is now at revision ${etag ?? '?'}.`);
              reload();
            }}
          />
        )}
        {done === undefined ? null : <p role="status" class="ok">{done}</p>}
        <Show loaded={loaded} what="the refused sources">
          {({ supported, note, rows }) => !supported ? (
            <p class="notice" data-testid="refusals-unsupported">This data plane does not report refused sources one by one{note === null ? '.' : `: ${note}.`}</p>
          ) : rows.length === 0 ? <p class="muted">No source has been refused recently.</p> : (
            <table data-testid="refusals-table">
              <caption class="sr-only">Recently refused sources</caption>
              <thead><tr><th scope="col">Address</th><th scope="col">Listener</th><th scope="col">Count</th><th scope="col">Last seen</th><th scope="col">Why</th><th scope="col">Explain now</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={`${r.listener}:${r.address}`}>
                    <td><code>{r.address}</code></td>
                    <td>{r.listener}</td>
                    <td>{r.count}</td>
                    <td><span title={when(r.lastSeen)}>{relative(r.lastSeen)}</span></td>
                    <td>{r.reason ?? ''}</td>
                    <td data-testid="refusal-now">{r.now === null ? '' : r.now.allowed ? <span class="ok">allowed ({r.now.reason}{r.now.matched === null ? '' : `, by ${r.now.matched}`})</span> : `refused (${r.now.reason ?? '?'})`}</td>
                    <td><button type="button" disabled={!canWrite} title={readOnly} aria-describedby={readOnly === undefined ? undefined : 'read-only-reason'} aria-label={`Allow this address: ${r.address}`} data-testid="refusal-allow" onClick={() => void allow(r.address)}>Allow this address</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Show>
      </section>
    </>
  );
}
