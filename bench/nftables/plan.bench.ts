/**
 * Planning a kernel-set update at 100,000 ranges, without nft: ipgate's share of a change before nft runs.
 * Peers in one run:
 *   bigint  the sets from scratch as bigint intervals (allowedRanges, intervalsOf, subtractIntervals), then
 *           the plan's four subtractions on bigint
 *   numeric what the data plane does: IPv4 as numbers, the previous generation's sorted keys updated with
 *           the entries that changed (one entry added or removed), one linear union and subtraction
 * for one entry added (PATCH), one removed, and a full replace (another 100,000). Medians of N runs, in CPU
 * time of the process (a loaded machine's wait for a core left out). Then ipgate's other work in a full
 * rewrite: the batch text nft reads and parsing the set nft lists back.
 *
 *   node dist/bench/nftables/plan.bench.js [RUNS]
 */
import { loadavg } from 'node:os';
import { intervalsOf, sameIntervals, subtractIntervals, type Interval } from '../../src/cidr/intervals.js';
import { v4Count } from '../../src/cidr/intervals-v4.js';
import { AllowedSets, MAPPED_INTERVAL } from '../../src/nftables/allowed-sets.js';
import { elementsOf } from '../../src/nftables/elements.js';
import { parseListing } from '../../src/nftables/readback.js';
import { batch, replaceSets } from '../../src/nftables/ruleset.js';
import { emptyContents, plan } from '../../src/nftables/update-plan.js';
import { allowedRanges } from '../../src/policy/allowed.js';
import { compileProfile, type CompiledProfile } from '../../src/policy/decide.js';
import { makeRanges } from '../gateway/configs.js';

const RUNS = Number(process.argv[2] ?? '9');
const a = makeRanges(100_000, 42);
const compile = (authorizedIpRanges: string[]): CompiledProfile => compileProfile({ authorizedIpRanges, egressIpRanges: ['192.0.2.1/32'] });
const base = compile(a);
const plusOne = compile([...a, '127.0.0.9/32']);
const other = compile(makeRanges(100_000, 43));

/** The bigint path as it was: sets from scratch, then the plan's subtractions and comparisons. */
function bigintSets(c: CompiledProfile): { 4: Interval[]; 6: Interval[] } {
  const ranges = allowedRanges(c);
  return { 4: intervalsOf(ranges, 4), 6: subtractIntervals(intervalsOf(ranges, 6), [MAPPED_INTERVAL]) };
}
function bigintPlan(allow: { 4: Interval[]; 6: Interval[] }, c: CompiledProfile): number {
  const next = bigintSets(c);
  let n = 0;
  for (const f of [4, 6] as const) {
    const added = subtractIntervals(next[f], allow[f]);
    const removed = subtractIntervals(allow[f], next[f]);
    n += added.length + removed.length + (sameIntervals(added, []) ? 0 : 1);
  }
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] as number;
}

/** CPU ms of the process (user + system) since `from`: a loaded machine's waiting for a core is not counted. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function time(run: () => unknown, before: () => unknown = () => undefined): number {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    before();
    const started = process.cpuUsage();
    run();
    xs.push(cpuMs(started));
  }
  return median(xs);
}

const bigAllow = bigintSets(base);
const cases: { name: string; from: CompiledProfile; to: CompiledProfile }[] = [
  { name: 'one entry added (PATCH)', from: base, to: plusOne },
  { name: 'one entry removed (PATCH)', from: plusOne, to: base },
  { name: 'full replace (another 100,000)', from: base, to: other },
];
console.log(`planning a kernel-set update at 100,000 ranges (CPU ms of ipgate's process, median of ${RUNS} runs; load ${loadavg()[0]?.toFixed(1) ?? '?'}):`);
console.log('  change                            bigint   numeric   ratio');
for (const c of cases) {
  const from = c.from === base ? bigAllow : bigintSets(c.from);
  const big = time(() => bigintPlan(from, c.to));
  const sets = new AllowedSets();
  const contents = emptyContents(sets.of(c.from));
  // The planner's state as the data plane holds it: the previous generation was planned last.
  const alone = time(
    () => plan(contents, sets.of(c.to)),
    () => sets.of(c.from),
  );
  console.log(`  ${c.name.padEnd(32)} ${big.toFixed(1).padStart(7)}  ${alone.toFixed(1).padStart(8)}  ${(big / alone).toFixed(1).padStart(5)}x`);
}

// ipgate's share of a full rewrite beyond the plan: the batch text nft reads, and parsing the read back.
const full = new AllowedSets().of(other);
const batchMs = time(() => batch(replaceSets([{ role: 'allow', family: 4, intervals: full[4] }])));
const listing = JSON.stringify({
  nftables: [{ metainfo: { version: '1.0.6' } }, { set: { family: 'inet', name: 'allow_v4', table: 'ipgate', type: 'ipv4_addr', handle: 3, flags: ['interval'], elem: elementsOf(4, full[4]) } }],
});
const parseMs = time(() => parseListing(listing));
console.log(`  full replace, ipgate beyond the plan: batch text for nft ${batchMs.toFixed(1)} ms (${(batch(replaceSets([{ role: 'allow', family: 4, intervals: full[4] }])).length / 1e6).toFixed(1)} MB), parsing the read back ${parseMs.toFixed(1)} ms (${v4Count(full[4])} intervals)`);
