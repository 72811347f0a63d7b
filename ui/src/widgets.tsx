/** Small shared pieces: how a loading or failed answer is shown, why changes are disabled, and time formatting. */
import type { ComponentChildren } from 'preact';
import { describe } from './api.js';
import type { Loaded } from './load.js';

export { relative, when } from './time.js';

export function Show<T>(props: { loaded: Loaded<T>; what: string; children: (value: T) => ComponentChildren }): ComponentChildren {
  const { loaded, what } = props;
  if (loaded.state === 'loading') return <p class="muted" role="status">Loading {what}…</p>;
  if (loaded.state === 'error') return <p class="error" role="alert">Could not load {what}: {describe(loaded.error)}</p>;
  return <>{props.children(loaded.value)}</>;
}

export function PageHeading(props: { title: string; children?: ComponentChildren }): ComponentChildren {
  return (
    <header class="page-head">
      <h1 id="page-title" tabIndex={-1}>{props.title}</h1>
      {props.children}
    </header>
  );
}
