/**
 * Matcher lookups/s: ipgate `compileMatcher().has(string)` vs `node:net` BlockList vs npm peers
 * (`ipaddr.js` with pre-parsed ranges and a linear scan, as Express's proxy-addr does, and `ip-range-check`)
 * at 200 / 10,000 / 100,000 random IPv4 ranges, plus the memory of a 100,000-range matcher (measured in a
 * child process started with --expose-gc).
 *
 *   node dist/bench/matcher.bench.js            # everything
 *   node --expose-gc dist/bench/matcher.bench.js --memory   # memory only (used by the above)
 */
import { BlockList } from 'node:net';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { compileMatcher } from '../src/cidr/matcher.js';
import { prng } from './lib/prng.js';

interface IpaddrLike {
  kind(): string;
  match(range: [IpaddrLike, number]): boolean;
}
interface IpaddrModule {
  process(text: string): IpaddrLike;
  parseCIDR(text: string): [IpaddrLike, number];
}

const require = createRequire(import.meta.url);
const ipaddr = require('ipaddr.js') as IpaddrModule;
const ipRangeCheck = require('ip-range-check') as (address: string, ranges: string[]) => boolean;

const quad = (x: number): string => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;

/** Random IPv4 ranges shaped like real allow-lists: mostly /20-/32, a few wider blocks (/12-/19). */
function randomRanges(n: number, rand: () => number): { text: string; network: number; prefix: number }[] {
  const out: { text: string; network: number; prefix: number }[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const prefix = r < 0.4 ? 32 : r < 0.97 ? 20 + Math.floor(rand() * 12) : 12 + Math.floor(rand() * 8);
    const size = 2 ** (32 - prefix);
    const network = Math.floor(Math.floor(rand() * 2 ** 32) / size) * size;
    out.push({ text: prefix === 32 ? quad(network) : `${quad(network)}/${prefix}`, network, prefix });
  }
  return out;
}

/** Client addresses: 45% inside a listed range, 45% anywhere, 10% as dual-stack sockets report IPv4. */
function randomAddresses(n: number, ranges: { network: number; prefix: number }[], rand: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    let x: number;
    if (r < 0.45) {
      const range = ranges[Math.floor(rand() * ranges.length)] ?? { network: 0, prefix: 0 };
      x = range.network + Math.floor(rand() * 2 ** (32 - range.prefix));
    } else {
      x = Math.floor(rand() * 2 ** 32);
    }
    out.push(r > 0.9 ? `::ffff:${quad(x)}` : quad(x));
  }
  // Flat strings, as a socket's remoteAddress is (template literals build rope strings).
  return JSON.parse(JSON.stringify(out)) as string[];
}

interface Result {
  readonly perSecond: number;
  /** Number of lookups that matched (kept so the work cannot be optimized away). */
  readonly hits: number;
}

/** Runs `check` over the addresses, repeating until `budgetMs` has passed; lookups per second. */
function measure(addresses: readonly string[], budgetMs: number, check: (a: string) => boolean): Result {
  let done = 0;
  let hits = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(budgetMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    // Small batches for slow peers, full passes for fast ones.
    const batch = done === 0 ? 16 : Math.min(addresses.length, done * 4);
    for (let i = 0; i < batch; i++) {
      if (check(addresses[(done + i) % addresses.length] as string)) hits++;
    }
    done += batch;
    now = process.hrtime.bigint();
  }
  return { perSecond: done / (Number(now - start) / 1e9), hits };
}

function fmt(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}

function lookups(): void {
  const sizes = [200, 10_000, 100_000];
  const rows: string[][] = [];
  for (const n of sizes) {
    const rand = prng(n);
    const ranges = randomRanges(n, rand);
    const texts = ranges.map((r) => r.text);
    const addresses = randomAddresses(1 << 16, ranges, rand);

    const t0 = process.hrtime.bigint();
    const matcher = compileMatcher(texts);
    const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;

    const blockList = new BlockList();
    for (const r of ranges) blockList.addSubnet(quad(r.network), r.prefix, 'ipv4');
    const families = new Map(addresses.map((a) => [a, a.startsWith('::') ? 'ipv6' : 'ipv4'] as const));

    const parsed = texts.map((t) => ipaddr.parseCIDR(t.includes('/') ? t : `${t}/32`));

    // Sanity: every implementation agrees on a sample before anything is timed.
    for (const a of addresses.slice(0, 200)) {
      const expected = matcher.has(a);
      if (blockList.check(a, families.get(a) ?? 'ipv4') !== expected) throw new Error(`BlockList disagrees on ${a}`);
    }

    const ours = measure(addresses, 700, (a) => matcher.has(a));
    const block = measure(addresses, n >= 100_000 ? 1500 : 700, (a) => blockList.check(a, families.get(a) ?? 'ipv4'));
    const viaIpaddr = measure(addresses, n >= 100_000 ? 1500 : 700, (a) => {
      const addr = ipaddr.process(a);
      const kind = addr.kind();
      for (const range of parsed) if (range[0].kind() === kind && addr.match(range)) return true;
      return false;
    });
    const viaIpRangeCheck = measure(addresses, n >= 100_000 ? 1500 : 500, (a) => ipRangeCheck(a, texts));
    rows.push([
      n.toLocaleString('en-US'), `${compileMs.toFixed(0)} ms`, fmt(ours.perSecond), fmt(block.perSecond), fmt(viaIpaddr.perSecond),
      fmt(viaIpRangeCheck.perSecond), `${(ours.perSecond / block.perSecond).toFixed(0)}x`,
      `${(ours.perSecond / viaIpaddr.perSecond).toFixed(0)}x`, `${(ours.perSecond / viaIpRangeCheck.perSecond).toFixed(0)}x`,
      `${((100 * addresses.filter((a) => matcher.has(a)).length) / addresses.length).toFixed(0)}%`,
    ]);
  }
  const header = ['ranges', 'compile', 'ipgate has()', 'BlockList', 'ipaddr.js scan', 'ip-range-check', 'vs BlockList', 'vs ipaddr.js', 'vs ip-range-check', 'hits'];
  const table = [header, ...rows.map((r) => r.slice(0, header.length))];
  const widths = header.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)));
  console.log('matcher: IPv4 lookups/s of a string address (45% inside a listed range, 10% ::ffff:a.b.c.d)');
  for (const r of table) console.log(r.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  '));
}

function memory(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  // The entry strings belong to the caller (read from a file, say); the matcher keeps references to them.
  const texts: string[] = JSON.parse(JSON.stringify(randomRanges(100_000, prng(7)).map((r) => r.text))) as string[];
  gc();
  gc();
  const before = process.memoryUsage();
  const matcher = compileMatcher(texts);
  gc();
  gc();
  const after = process.memoryUsage();
  const retained = after.heapUsed - before.heapUsed + after.external - before.external;
  console.log(`matcher memory, ${matcher.size.toLocaleString('en-US')} ranges: retained ${mb(retained)} `
    + `(heap +${mb(after.heapUsed - before.heapUsed)}, typed arrays +${mb(after.external - before.external)}); `
    + `process rss +${mb(after.rss - before.rss)} (includes freed compile-time garbage the heap keeps)`);
  if (!matcher.has(texts[0]?.split('/')[0] ?? '')) throw new Error('matcher lost an entry');
}

if (process.argv.includes('--memory')) {
  memory();
} else {
  lookups();
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--memory'], { stdio: 'inherit' });
  if (child.status !== 0) process.exitCode = 1;
}
