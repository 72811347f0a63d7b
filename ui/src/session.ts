/**
 * The admin token of this tab: kept in sessionStorage (gone when the tab closes, never in the URL, never
 * sent anywhere but in the Authorization header of API calls), and the colour theme chosen.
 */
const TOKEN_KEY = 'ipgate.token';
const THEME_KEY = 'ipgate.theme';

export function savedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

export type Theme = 'light' | 'dark';

/** The theme in force: the one chosen with the toggle, else the system's (prefers-color-scheme). */
export function currentTheme(): Theme {
  const chosen = localStorage.getItem(THEME_KEY);
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: Theme, remember: boolean): void {
  document.documentElement.dataset['theme'] = theme;
  if (remember) localStorage.setItem(THEME_KEY, theme);
}
