/** Small shared pieces: how a loading, missing or failed answer is shown, and time formatting. */
import type { ComponentChildren } from 'preact';
import { describe } from './api.js';
import type { Loaded } from './load.js';

export function Show<T>(props: { loaded: Loaded<T>; what: string; children: (value: T) => ComponentChildren }): ComponentChildren {
  const { loaded, what } = props;
  if (loaded.state === 'loading') return <p class="muted" role="status">Loading {what}…</p>;
  if (loaded.state === 'missing') return <p class="notice" role="status">{what[0]?.toUpperCase()}{what.slice(1)}: not available on this server.</p>;
  if (loaded.state === 'error') return <p class="error" role="alert">Could not load {what}: {describe(loaded.error)}</p>;
  return <>{props.children(loaded.value)}</>;
}

export function when(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "in 7 h 59 min", "3 min ago". */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.round((t - now) / 1000);
  const a = Math.abs(s);
  const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.floor(a / 60)} min` : a < 86400 ? `${Math.floor(a / 3600)} h ${Math.floor((a % 3600) / 60)} min` : `${Math.floor(a / 86400)} d`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

export function PageHeading(props: { title: string; children?: ComponentChildren }): ComponentChildren {
  return (
    <header class="page-head">
      <h1 id="page-title" tabIndex={-1}>{props.title}</h1>
      {props.children}
    </header>
  );
}
