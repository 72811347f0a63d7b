/** What every page gets: the API with the signed-in token, and whether that token may change things (and why not). */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api.js';

export interface Session {
  readonly api: Api;
  /**
   * Why this token may not change anything (a read-scope token, or its scope not known yet), as shown next to
   * the disabled controls; undefined for a write-scope token. Taken from `GET /v1/whoami`'s `scope`.
   */
  readonly readOnly: string | undefined;
  /** readOnly === undefined. */
  readonly canWrite: boolean;
  /** Who the server says the caller is (`actor` of /v1/whoami, when it names one). */
  readonly actor: string | undefined;
  /** Opens a page (`#/ranges?add=ADDR` style routes). */
  readonly go: (route: string) => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside the signed-in app');
  return session;
}
