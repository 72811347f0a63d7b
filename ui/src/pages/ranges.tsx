/**
 * Ranges: the profile's entries in a searchable table (entry, list, note, expiry, what a source reference
 * expands to, which listener's traffic it admitted recently), an add form checked as you type, and removal;
 * every change goes through the dry-run review.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { describe, type Answer } from '../api.js';
import { ChangeReview, type Patch } from '../change.js';
import { useSession } from '../context.js';
import { checkEntry, entryExpires, entryNote, entryText, type WireEntry, type WireProfile } from '../entries.js';
import { matchText, readMatches, type Matches } from '../matches-data.js';
import { PageHeading, relative, when } from '../widgets.js';

interface SourcesAnswer {
  readonly sources: ReadonlyArray<{ readonly name: string; readonly references?: ReadonlyArray<{ entry: string; prefixes?: number; problem?: string }> }>;
}

const EXPIRIES: ReadonlyArray<readonly [string, number | undefined]> = [
  ['never', undefined],
  ['1 hour', 3600],
  ['8 hours', 8 * 3600],
  ['1 day', 86400],
  ['7 days', 7 * 86400],
  ['30 days', 30 * 86400],
];

interface Row {
  readonly entry: WireEntry;
  readonly list: 'authorized' | 'egress';
}

/** `#/ranges?add=ADDR`: the page opens with ADDR in the add field (from Refusals and the Map). */
export function RangesPage(props: { initialAdd?: string | undefined }): ComponentChildren {
  const { api, canWrite, readOnly } = useSession();
  const locked = readOnly === undefined ? {} : { title: readOnly, 'aria-describedby': 'read-only-reason' };
  const [profile, setProfile] = useState<Answer<WireProfile> | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [expansions, setExpansions] = useState<ReadonlyMap<string, string>>(new Map());
  const [matches, setMatches] = useState<Matches | { readonly failed: string } | undefined>(undefined);
  const [search, setSearch] = useState('');
  const [input, setInput] = useState(props.initialAdd ?? '');
  const [note, setNote] = useState('');
  const [expiry, setExpiry] = useState(props.initialAdd === undefined ? 'never' : '8 hours');
  const [list, setList] = useState<'authorized' | 'egress'>('authorized');
  const [pending, setPending] = useState<{ patch: Patch; key: number } | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);

  const load = async (): Promise<void> => {
    try {
      setProfile(await api.get<WireProfile>('/v1/profile'));
      setLoadError(undefined);
    } catch (error) {
      setLoadError(describe(error));
    }
    try {
      const sources = await api.get<SourcesAnswer>('/v1/sources');
      const map = new Map<string, string>();
      for (const s of sources.data.sources) {
        for (const r of s.references ?? []) map.set(r.entry, r.problem ?? `${r.prefixes ?? 0} prefixes (${s.name})`);
      }
      setExpansions(map);
    } catch {
      setExpansions(new Map());
    }
    try {
      setMatches(readMatches((await api.get<unknown>('/v1/matches')).data));
    } catch (error) {
      setMatches({ failed: describe(error) });
    }
  };
  useEffect(() => void load(), []);

  const check = input.trim() === '' ? undefined : checkEntry(input.trim());
  const rows: Row[] = useMemo(() => {
    if (profile === undefined) return [];
    const all: Row[] = [
      ...profile.data.authorizedIpRanges.map((entry) => ({ entry, list: 'authorized' as const })),
      ...profile.data.egressIpRanges.map((entry) => ({ entry, list: 'egress' as const })),
    ];
    const q = search.trim().toLowerCase();
    return q === '' ? all : all.filter((r) => `${entryText(r.entry)} ${entryNote(r.entry) ?? ''} ${r.list}`.toLowerCase().includes(q));
  }, [profile, search]);

  const propose = (patch: Patch): void => {
    setDone(undefined);
    setPending({ patch, key: Date.now() });
  };

  const submit = (event: Event): void => {
    event.preventDefault();
    if (check === undefined || !check.ok) return;
    const seconds = EXPIRIES.find(([label]) => label === expiry)?.[1];
    const entry: WireEntry =
      note.trim() === '' && seconds === undefined
        ? input.trim()
        : { range: input.trim(), ...(note.trim() === '' ? {} : { note: note.trim() }), ...(seconds === undefined ? {} : { expires: new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z') }) };
    propose(list === 'authorized' ? { add: [entry] } : { addEgress: [entry] });
  };

  return (
    <>
      <PageHeading title="Ranges" />
      <section aria-labelledby="add-title" class="card">
        <h2 id="add-title">Add an entry</h2>
        <form class="add-form" onSubmit={submit}>
          <div class="field">
            <label for="range-input">Address, range or source reference</label>
            <input
              id="range-input"
              data-testid="range-input"
              value={input}
              autoComplete="off"
              spellcheck={false}
              placeholder="203.0.113.7, 198.51.100.0/24, azure:AzureCloud.westeurope"
              aria-invalid={check !== undefined && !check.ok}
              aria-describedby="range-check"
              onInput={(e) => setInput((e.target as HTMLInputElement).value)}
            />
            <p id="range-check" class={check !== undefined && !check.ok ? 'error' : 'muted'} aria-live="polite">
              {check === undefined ? 'A bare address means just that address (/32 or /128).' : check.ok ? (check.kind === 'reference' ? 'A range-source reference: the server checks it in the preview.' : 'Valid range.') : (
                <>
                  {check.message} <span class="code">{check.code}</span>
                  {check.suggestion === undefined ? null : (
                    <> <button type="button" class="link" onClick={() => setInput(check.suggestion ?? '')}>Use {check.suggestion}</button></>
                  )}
                </>
              )}
            </p>
          </div>
          <div class="field">
            <label for="note-input">Note</label>
            <input id="note-input" value={note} placeholder="who, why" onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label for="expiry-input">Expires</label>
            <select id="expiry-input" value={expiry} onChange={(e) => setExpiry((e.target as HTMLSelectElement).value)}>
              {EXPIRIES.map(([label]) => <option key={label} value={label}>{label === 'never' ? 'never' : `in ${label}`}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="list-input">List</label>
            <select id="list-input" value={list} onChange={(e) => setList((e.target as HTMLSelectElement).value === 'egress' ? 'egress' : 'authorized')}>
              <option value="authorized">authorized</option>
              <option value="egress">egress</option>
            </select>
          </div>
          <button type="submit" class="primary" data-testid="range-add" disabled={!canWrite || check === undefined || !check.ok} {...locked}>Preview</button>
        </form>
        {pending === undefined || profile === undefined ? null : (
          <ChangeReview
            key={pending.key}
            patch={pending.patch}
            etag={profile.etag}
            onCancel={() => setPending(undefined)}
            onReloaded={(data, etag) => setProfile({ data, etag })}
            onApplied={(data, etag) => {
              setProfile({ data, etag });
              setPending(undefined);
              setInput('');
              setNote('');
              setDone(`Applied; the profile is now at revision ${etag ?? '?'}.`);
              void load();
            }}
          />
        )}
        {done === undefined ? null : <p role="status" class="ok">{done}</p>}
      </section>
      <section aria-labelledby="entries-title" class="card">
        <h2 id="entries-title">Entries</h2>
        <div class="field inline">
          <label for="range-search">Search</label>
          <input id="range-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </div>
        {loadError === undefined ? null : <p class="error" role="alert">Could not load the profile: {loadError}</p>}
        {profile === undefined ? <p class="muted" role="status">Loading the profile…</p> : (
          <>
            <p class="muted">Revision {profile.etag ?? '?'}; {profile.data.authorizedIpRanges.length} authorized, {profile.data.egressIpRanges.length} egress.</p>
            <table data-testid="ranges-table">
              <caption class="sr-only">Profile entries</caption>
              <thead>
                <tr><th scope="col">Entry</th><th scope="col">List</th><th scope="col">Note</th><th scope="col">Expires</th><th scope="col">Expands to</th><th scope="col">Matched recently</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const text = entryText(r.entry);
                  const expires = entryExpires(r.entry);
                  return (
                    <tr key={`${r.list}:${text}`}>
                      <td><code>{text}</code></td>
                      <td>{r.list}</td>
                      <td>{entryNote(r.entry) ?? ''}</td>
                      <td>{expires === undefined ? '' : <span title={when(expires)}>{relative(expires)}</span>}</td>
                      <td>{expansions.get(text) ?? ''}</td>
                      <td data-testid="entry-matched"><Matched matches={matches} entry={text} /></td>
                      <td>
                        <button type="button" disabled={!canWrite} {...locked} aria-label={`Remove ${text}`} onClick={() => propose(r.list === 'authorized' ? { remove: [text] } : { removeEgress: [text] })}>Remove</button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {rows.length === 0 ? <p class="muted">{search === '' ? 'The profile has no entries: everyone may connect.' : 'No entry matches.'}</p> : null}
          </>
        )}
      </section>
    </>
  );
}

/** The "matched recently" cell: "public 12× 3 min ago", "none" since counted, or "—" with the reason the server cannot tell. */
function Matched(props: { matches: Matches | { readonly failed: string } | undefined; entry: string }): ComponentChildren {
  const { matches } = props;
  if (matches === undefined) return null;
  if ('failed' in matches) return <span title={`Could not load the matches: ${matches.failed}`}>—</span>;
  if (!matches.available) return <span title={matches.reason}>—</span>;
  const text = matchText(matches.byEntry.get(props.entry));
  return text === '' ? <span class="muted" title="No connection admitted by this entry since it was counted (the start, or when it was added)">none</span> : <>{text}</>;
}
