/**
 * Runs every benchmark (`dist/bench/*.bench.js`) in sequence, each in its own process so one cannot skew
 * another. An optional argument keeps only benchmarks whose name contains it: `node dist/bench/run.js matcher`.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js') && (filter === undefined || f.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${JSON.stringify(filter ?? '')} in ${dir}`);
  process.exitCode = 2;
}
let failed = 0;
for (const file of files) {
  console.log(`\n== ${file.replace(/\.bench\.js$/, '')}`);
  const started = Date.now();
  const child = spawnSync(process.execPath, [join(dir, file)], { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (child.status !== 0) {
    failed++;
    console.log(`== ${file} failed (exit ${child.status ?? child.signal ?? '?'}) after ${seconds} s`);
  } else {
    console.log(`== ${file} done in ${seconds} s`);
  }
}
if (failed > 0) process.exitCode = 1;
