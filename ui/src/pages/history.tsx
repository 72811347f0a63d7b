/** History: every recorded change (when, who, from where, by which path, entries added and removed), filterable by actor and entry. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useSession } from '../context.js';
import { entryText, type WireEntry } from '../entries.js';
import { useLoad } from '../load.js';
import { PageHeading, relative, Show, when } from '../widgets.js';
import type { ChangeRecord } from './overview.js';

function Entries(props: { items: readonly WireEntry[]; count: number; sign: string; cls: string }): ComponentChildren {
  if (props.count === 0) return null;
  return (
    <ul class={`diff ${props.cls}`}>
      {props.items.map((e) => <li key={entryText(e)}><span aria-hidden="true">{props.sign} </span><code>{entryText(e)}</code>{typeof e === 'string' || e.note === undefined ? null : <span class="muted"> — {e.note}</span>}</li>)}
      {props.count > props.items.length ? <li class="muted">and {props.count - props.items.length} more</li> : null}
    </ul>
  );
}

export function HistoryPage(): ComponentChildren {
  const { api } = useSession();
  const [loaded] = useLoad(() => api.get<{ history: readonly ChangeRecord[] }>('/v1/history?limit=500').then((a) => a.data.history), []);
  const [actor, setActor] = useState('');
  const [entry, setEntry] = useState('');
  return (
    <>
      <PageHeading title="History" />
      <section class="card" aria-labelledby="changes-title">
        <h2 id="changes-title">Changes, newest first</h2>
        <Show loaded={loaded} what="the change history">
          {(records) => {
            const actors = [...new Set(records.map((r) => r.actor))].sort();
            const q = entry.trim().toLowerCase();
            const shown = records.filter((r) => (actor === '' || r.actor === actor) && (q === '' || [...r.added, ...r.removed].some((e) => entryText(e).toLowerCase().includes(q))));
            return (
              <>
                <div class="filters">
                  <div class="field inline">
                    <label for="history-actor">Actor</label>
                    <select id="history-actor" value={actor} onChange={(e) => setActor((e.target as HTMLSelectElement).value)}>
                      <option value="">everyone</option>
                      {actors.map((a) => <option key={a} value={a}>{a}</option>)}
                    </select>
                  </div>
                  <div class="field inline">
                    <label for="history-entry">Entry</label>
                    <input id="history-entry" type="search" value={entry} onInput={(e) => setEntry((e.target as HTMLInputElement).value)} />
                  </div>
                </div>
                <table data-testid="history-table">
                  <caption class="sr-only">Recorded changes</caption>
                  <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Path</th><th scope="col">Changes</th><th scope="col">Revision</th></tr></thead>
                  <tbody>
                    {shown.map((r) => (
                      <tr key={`${r.time}:${r.etagAfter}`}>
                        <td><span title={when(r.time)}>{relative(r.time)}</span></td>
                        <td>{r.actor}{r.address === null ? '' : <span class="muted"> from {r.address}</span>}</td>
                        <td>{r.path}</td>
                        <td>
                          <Entries items={r.added} count={r.addedCount} sign="+" cls="added" />
                          <Entries items={r.removed} count={r.removedCount} sign="−" cls="removed" />
                        </td>
                        <td>{r.etagBefore ?? '—'} → {r.etagAfter}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {shown.length === 0 ? <p class="muted">No change matches.</p> : null}
              </>
            );
          }}
        </Show>
      </section>
    </>
  );
}
