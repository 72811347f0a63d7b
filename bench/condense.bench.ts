/**
 * Condense time: the optimal cover of real provider lists (AWS us-east-1, GitHub `actions`, both IPv4+IPv6)
 * to 200 / 50 / 40 prefixes, synthetic 10,000-prefix lists, and the whole `ipgate condense --max 200 FILE`
 * command including Node start-up. Target: well under a second (ratios below are against 1 s).
 *
 *   node dist/bench/condense.bench.js
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { condense, extraShare, type CondenseResult } from '../src/cidr/condense.js';
import { mergeRanges } from '../src/cidr/merge.js';
import { parseRange } from '../src/cidr/parse.js';
import type { Range } from '../src/cidr/types.js';
import { prng } from './lib/prng.js';

const TARGET_MS = 1000;
const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
const binary = fileURLToPath(new URL('../../bin/ipgate.js', import.meta.url));

function readList(path: string): Range[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => parseRange(line));
}

function synthetic(n4: number, n6: number, seed: number): Range[] {
  const rand = prng(seed);
  const word = (): bigint => BigInt(Math.floor(rand() * 2 ** 32));
  const out: Range[] = [];
  for (let i = 0; i < n4; i++) {
    const prefix = 16 + Math.floor(rand() * 17);
    const host = BigInt(32 - prefix);
    out.push({ family: 4, network: (word() >> host) << host, prefix });
  }
  for (let i = 0; i < n6; i++) {
    const prefix = 40 + Math.floor(rand() * 89);
    const value = (0x2001_0db8n << 96n) | (word() << 64n) | (word() << 32n) | word();
    const host = BigInt(128 - prefix);
    out.push({ family: 6, network: (value >> host) << host, prefix });
  }
  return out;
}

/** Median of a few timed runs after one warm-up run. */
function time(run: () => void, repeat = 5): number {
  run();
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    run();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

const pad = (text: string, width: number): string => text.padEnd(width);

function percent(extra: bigint, required: bigint): string {
  const share = extraShare({ extraAddresses: extra, requiredAddresses: required });
  return `${(share * 100).toPrecision(3)}%`;
}

function report(name: string, list: Range[], maxes: readonly number[]): void {
  const merged = mergeRanges(list).length;
  for (const max of maxes) {
    let result: CondenseResult | undefined;
    const ms = time(() => {
      result = condense(list, { max });
    });
    const cost = (result?.families ?? []).map((f) => `v${f.family}: ${f.count} prefixes, +${percent(f.extraAddresses, f.requiredAddresses)}`).join('; ');
    console.log(`${pad(name, 34)} ${String(list.length).padStart(6)} in, ${String(merged).padStart(6)} merged -> ${String(max).padStart(4)}: `
      + `${ms.toFixed(1).padStart(7)} ms  (${(TARGET_MS / ms).toFixed(0)}x under 1 s)  ${cost}`);
  }
}

const aws = readList(fixture('aws-us-east-1.txt'));
const actions = readList(fixture('github-actions.txt'));
console.log('condense (library call, median of 5 after a warm-up)');
report('AWS us-east-1 (v4+v6)', aws, [200, 50, 40]);
report('AWS us-east-1 IPv4 only', aws.filter((r) => r.family === 4), [200, 50, 40]);
report('GitHub actions (v4+v6)', actions, [200, 50, 40]);
report('synthetic 10k (9k v4 + 1k v6)', synthetic(9000, 1000, 1), [200, 1000]);
report('synthetic 10k IPv4', synthetic(10000, 0, 2), [200, 1000]);
report('synthetic 10k IPv6 (bigint costs)', synthetic(0, 10000, 3), [200, 1000]);

console.log('\nipgate condense --max 200 FILE (whole process: Node start-up, read, parse, condense, print)');
const bare = time(() => {
  spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
}, 3);
for (const name of ['aws-us-east-1.txt', 'github-actions.txt']) {
  const path = fixture(name);
  const probe = spawnSync(process.execPath, [binary, 'condense', '--max', '200', path], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.stdout || `exit ${String(probe.status)}`).trim().split('\n')[0] ?? '';
    console.log(`${pad(name, 24)} skipped: the command is not available here (${why})`);
    continue;
  }
  const ms = time(() => {
    spawnSync(process.execPath, [binary, 'condense', '--max', '200', path], { stdio: 'ignore' });
  }, 3);
  console.log(`${pad(name, 24)} ${ms.toFixed(0).padStart(5)} ms  (${(TARGET_MS / ms).toFixed(1)}x under 1 s; bare \`node -e ''\` takes ${bare.toFixed(0)} ms)`);
}
