/**
 * The dashboard's first load stays small: index.html and every file it loads (script, stylesheet, icon),
 * gzipped, under 200 KB. Reads what `npm run build` put in dist/ui, the files the admin listener serves.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadUiAssets } from '../src/admin/ui-assets.js';
import { ROOT } from './helpers/ipgate.js';

const LIMIT = 200 * 1024;

test('the first load of the dashboard is under 200 KB gzipped', () => {
  const assets = loadUiAssets(join(ROOT, 'dist/ui'));
  const index = assets.files.get('index.html');
  assert.ok(index !== undefined, 'dist/ui/index.html is built');
  const referenced = [...index.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
  assert.deepEqual(referenced.filter((r) => /^(?:[a-z]+:)?\/\//i.test(r)), [], 'nothing loaded from another host');
  const files = ['index.html', ...referenced];
  let total = 0;
  const sizes: string[] = [];
  for (const name of files) {
    const file = assets.files.get(name);
    assert.ok(file !== undefined, `${name} (referenced by index.html) is served`);
    const gz = gzipSync(Buffer.from(file.body)).length;
    total += gz;
    sizes.push(`${name} ${gz} B`);
  }
  assert.ok(files.some((f) => f.endsWith('.js')) && files.some((f) => f.endsWith('.css')), `script and stylesheet referenced: ${files.join(', ')}`);
  console.log(`dashboard first load: ${total} B gzipped (${sizes.join(', ')})`);
  assert.ok(total < LIMIT, `first load ${total} B gzipped, limit ${LIMIT} B`);
  // The served bytes are the built bytes.
  assert.equal(assets.files.get('app.js')?.body, readFileSync(join(ROOT, 'dist/ui/app.js'), 'utf8'));
});
