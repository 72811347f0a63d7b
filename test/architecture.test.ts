/**
 * The layering of src/ (docs/architecture.md, the `layers` block): a folder imports only folders on the rows
 * below its own. Read from the code's own import statements, so it stays true by itself.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/ipgate.js';

const SRC = join(ROOT, 'src');

/** Folder (or top-level file, without `.ts`) -> row, 0 = top. */
function layers(): Map<string, number> {
  const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const block = /```layers\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block !== undefined, 'docs/architecture.md has a ```layers block');
  const out = new Map<string, number>();
  block
    .trim()
    .split('\n')
    .forEach((line, row) => {
      for (const name of line.trim().split(/\s+/)) out.set(name, row);
    });
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The part a file of src/ belongs to: its top folder, or its own name for a file at the top. */
function partOf(file: string): string {
  const [first, ...rest] = relative(SRC, file).split('/');
  return rest.length === 0 ? (first ?? '').replace(/\.ts$/, '') : (first ?? '');
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm)].map((m) => m[1] ?? '');
  return specs.map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
}

test('every part of src/ has a row in docs/architecture.md', () => {
  const rows = layers();
  const parts = new Set(sourceFiles(SRC).map(partOf));
  for (const part of parts) assert.ok(rows.has(part), `src/${part} has no row in the layers block of docs/architecture.md`);
  for (const name of rows.keys()) assert.ok(parts.has(name), `the layers block names "${name}", which is not a part of src/`);
});

test('imports go only to rows below (no loops between folders, nothing imports cli)', () => {
  const rows = layers();
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = partOf(file);
    for (const target of importsOf(file)) {
      if (!target.startsWith(SRC)) continue;
      const to = partOf(target);
      if (to === from) continue;
      const a = rows.get(from) ?? -1;
      const b = rows.get(to) ?? -1;
      if (!(b > a)) violations.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)} (${from} may not import ${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the check sees imports: a known import is found', () => {
  const found = importsOf(join(SRC, 'server/server.ts')).map((t) => relative(SRC, t));
  assert.ok(found.includes('admin/handler.ts'), 'server.ts imports admin/handler.ts');
});
