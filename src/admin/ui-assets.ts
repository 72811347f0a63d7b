/**
 * The dashboard's files (`/ui/` on the admin listener): built into dist/ui by `npm run build`, read once at
 * start, served from memory with a strict Content-Security-Policy. The page loads nothing from any other
 * host (scripts, styles, fonts and API calls all come from the admin listener), so it works on an
 * air-gapped control plane, and nothing inline runs. The dashboard holds no authority of its own: every
 * change it makes is an admin API request with the operator's token.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { json, type AdminResponse } from './response.js';

/** Only the built files' types are served; anything else in the folder (source maps, stray files) is not. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Everything from the admin listener itself, nothing inline, no framing, no plugins, no form posts. */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export const UI_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // The files change with the installed version only; a restart after an upgrade must not serve old ones.
  'cache-control': 'no-cache',
};

export interface UiAsset {
  readonly type: string;
  readonly body: string;
}

export interface UiAssets {
  /** File name (top level of the folder) -> content. Empty when the dashboard was not built. */
  readonly files: ReadonlyMap<string, UiAsset>;
  /** Where they were read from (named in the 404 when the dashboard is missing). */
  readonly dir: string;
}

/** dist/ui of this package (this file is dist/src/admin/ui-assets.js once built). */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../ui/', import.meta.url));
}

/** Reads the built dashboard once: the top-level files of `dir` with a served type (none when it is missing). */
export function loadUiAssets(dir: string = defaultUiDir()): UiAssets {
  const files = new Map<string, UiAsset>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { files, dir };
  }
  for (const name of names) {
    const type = TYPES[extname(name)];
    const path = join(dir, name);
    if (type === undefined || !statSync(path).isFile()) continue;
    files.set(name, { type, body: readFileSync(path, 'utf8') });
  }
  return { files, dir };
}

/**
 * The answer to a GET or HEAD under `/ui`: `/ui` redirects to `/ui/`, `/ui/` is index.html, `/ui/NAME` a
 * built file; anything else is a 404 (JSON, like the API's).
 */
export function uiResponse(assets: UiAssets, path: string): AdminResponse {
  if (path === '/ui') return { status: 308, headers: { location: '/ui/', ...UI_HEADERS }, body: '' };
  const name = path === '/ui/' ? 'index.html' : path.slice('/ui/'.length);
  const file = name.includes('/') ? undefined : assets.files.get(name);
  if (file !== undefined) return { status: 200, headers: { 'content-type': file.type, ...UI_HEADERS }, body: file.body };
  const why = assets.files.size === 0 ? ` (the dashboard is not built: no files in ${assets.dir}; run npm run build)` : '';
  return json(404, { code: 'ERR_NOT_FOUND', message: `No such dashboard file: ${path}${why}` }, { 'x-content-type-options': 'nosniff' });
}
