/**
 * The dashboard's shell: sign-in with an admin token (kept in sessionStorage for this tab), the navigation,
 * the light/dark toggle, and the page named by the location hash (`#/ranges`). Routes live in the hash so
 * the server serves one page and the token never appears in a URL.
 */
import { render, type ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api, describe } from './api.js';
import { SessionContext, type Session } from './context.js';
import { readOnlyReason, type Whoami } from './scope.js';
import { applyTheme, currentTheme, forgetToken, saveToken, savedToken, type Theme } from './session.js';
import { ExportPage } from './pages/export.js';
import { HistoryPage } from './pages/history.js';
import { MapPage } from './pages/map.js';
import { OverviewPage } from './pages/overview.js';
import { RangesPage } from './pages/ranges.js';
import { RefusalsPage } from './pages/refusals.js';

const PAGES = [
  { id: 'overview', label: 'Overview' },
  { id: 'ranges', label: 'Ranges' },
  { id: 'map', label: 'Map' },
  { id: 'refusals', label: 'Refusals' },
  { id: 'history', label: 'History' },
  { id: 'export', label: 'Export' },
] as const;

type PageId = (typeof PAGES)[number]['id'];

interface Route {
  readonly page: PageId;
  readonly params: URLSearchParams;
}

function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const page = PAGES.find((p) => p.id === path)?.id ?? 'overview';
  return { page, params: new URLSearchParams(query) };
}

function SignIn(props: { onToken: (token: string, who: Whoami) => void; message: string | undefined }): ComponentChildren {
  const [token, setToken] = useState('');
  const [error, setError] = useState(props.message);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const t = token.trim();
    if (t === '') return setError('Enter the admin token.');
    setBusy(true);
    try {
      const who = await new Api(t, () => undefined).get<Whoami>('/v1/whoami');
      props.onToken(t, who.data);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>ipgate</h1>
      <p>Sign in with an admin token (the contents of <code>admin.tokenFile</code>, or a named token). It is kept for this tab only.</p>
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">Admin token</label>
        <input id="token" type="password" data-testid="token-input" autoComplete="current-password" value={token} aria-invalid={error !== undefined} aria-describedby={error === undefined ? undefined : 'signin-error'} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <button type="submit" class="primary" disabled={busy}>Sign in</button>
      </form>
      {error === undefined ? null : <p id="signin-error" role="alert" class="error">{error}</p>}
    </main>
  );
}

function App(): ComponentChildren {
  const [token, setToken] = useState(savedToken());
  const [who, setWho] = useState<Whoami | undefined>(undefined);
  const [whoFailure, setWhoFailure] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [route, setRoute] = useState(parseRoute(location.hash));
  const [theme, setTheme] = useState<Theme>(currentTheme());
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    const onHash = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => applyTheme(theme, false), []);
  useEffect(() => {
    document.title = `${PAGES.find((p) => p.id === route.page)?.label ?? 'ipgate'} · ipgate`;
    main.current?.querySelector<HTMLElement>('#page-title')?.focus();
  }, [route.page, token]);

  const signOut = (why?: string): void => {
    forgetToken();
    setToken(undefined);
    setWho(undefined);
    setWhoFailure(undefined);
    setMessage(why);
  };
  const api = useMemo(() => (token === undefined ? undefined : new Api(token, () => signOut('The token was refused (401): sign in again.'))), [token]);
  useEffect(() => {
    if (api === undefined || who !== undefined) return;
    api.get<Whoami>('/v1/whoami').then((a) => setWho(a.data), (error: unknown) => setWhoFailure(describe(error)));
  }, [api]);

  if (token === undefined || api === undefined) {
    return (
      <SignIn
        message={message}
        onToken={(t, w) => {
          saveToken(t);
          setWho(w);
          setMessage(undefined);
          setToken(t);
        }}
      />
    );
  }
  const readOnly = readOnlyReason(who, whoFailure);
  const session: Session = {
    api,
    readOnly,
    canWrite: readOnly === undefined,
    actor: who?.actor ?? undefined,
    go: (r) => {
      location.hash = r;
    },
  };
  const toggle = (): void => {
    const next = theme === 'dark' ? 'light' : 'dark';
    applyTheme(next, true);
    setTheme(next);
  };
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>Skip to content</a>
      <header class="top">
        <span class="brand">ipgate</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} data-testid={`nav-${p.id}`} aria-current={route.page === p.id ? 'page' : undefined}>{p.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who" data-testid="who">{who?.actor === undefined || who.actor === null ? '' : `${who.actor}${who.scope === undefined || who.scope === null ? '' : ` (${who.scope})`}`}</span>
        <button type="button" onClick={toggle} aria-pressed={theme === 'dark'} data-testid="theme-toggle">Dark theme</button>
        <button type="button" onClick={() => signOut()}>Sign out</button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {readOnly === undefined ? null : <p id="read-only-reason" class="notice" data-testid="read-only-reason">{readOnly}</p>}
        {route.page === 'overview' ? <OverviewPage /> : null}
        {route.page === 'ranges' ? <RangesPage key={route.params.get('add') ?? ''} initialAdd={route.params.get('add') ?? undefined} /> : null}
        {route.page === 'map' ? <MapPage /> : null}
        {route.page === 'refusals' ? <RefusalsPage /> : null}
        {route.page === 'history' ? <HistoryPage /> : null}
        {route.page === 'export' ? <ExportPage /> : null}
      </main>
    </SessionContext.Provider>
  );
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
