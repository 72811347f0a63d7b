/**
 * Builds the dashboard (ui/) into dist/ui: the TSX type-checked with ui/tsconfig.json, then bundled and
 * minified by esbuild into one script and one stylesheet beside index.html. Everything the page needs is in
 * those files (no CDN, no web fonts), so it works on an air-gapped control plane. Run by `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The repository (this file runs as dist/scripts/build-ui.js). */
const ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const UI = join(ROOT_DIR, 'ui');
const OUT = join(ROOT_DIR, 'dist/ui');

execFileSync(process.execPath, [join(ROOT_DIR, 'node_modules/typescript/bin/tsc'), '-p', join(UI, 'tsconfig.json')], { stdio: 'inherit' });
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: { app: join(UI, 'src/main.tsx'), style: join(UI, 'src/style.css') },
  outdir: OUT,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});
copyFileSync(join(UI, 'index.html'), join(OUT, 'index.html'));
copyFileSync(join(UI, 'icon.svg'), join(OUT, 'icon.svg'));
