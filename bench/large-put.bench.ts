/**
 * Writes of a large profile through a real `ipgate serve`: `PUT /v1/profile` of 100,000 authorized ranges
 * (alternating two different lists, so every write changes the profile and nothing is answered from memory),
 * and a `PATCH` adding one entry to such a profile, timed from the request until the answer (the answer comes
 * once the change is validated, compiled, stored and in force). Peers in the same run: the file store as
 * JSON, the file store as a ranges list, the profile held in memory (no store), and the floor every write
 * pays whatever the store (`JSON.parse` + `JSON.stringify` of the body in this process), as a ratio.
 * Besides the time to the answer, the CPU time the gateway process spent on each write is read from
 * /proc (user + system), which other load on the machine disturbs much less than the wall time.
 * Run: node dist/bench/large-put.bench.js [entries] [rounds]
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { adminRequest } from '../test/helpers/clients.js';
import { startIpgate, type RunningIpgate } from '../test/helpers/ipgate.js';
import { tempDir } from '../test/helpers/tmp.js';
import { prng } from './lib/prng.js';

const ENTRIES = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const TOKEN = 'bench-token-0123456789abcdef';

const quad = (x: number): string => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;

/** `n` distinct /32 and /24 entries (no repeats, no host bits), from a seeded generator. */
function entries(n: number, seed: number): string[] {
  const rand = prng(seed);
  const seen = new Set<string>();
  while (seen.size < n) {
    const x = Math.floor(rand() * 2 ** 32);
    seen.add(rand() < 0.7 ? `${quad(x)}/32` : `${quad(x & 0xffffff00)}/24`);
  }
  return [...seen];
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** CPU time (ms, user + system) the process has used, from /proc/PID/stat (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Sample {
  readonly ms: number;
  readonly cpu: number;
}

async function timed(pid: number, run: () => Promise<{ status: number; text: string }>): Promise<Sample> {
  const cpu = cpuMs(pid);
  const start = performance.now();
  const r = await run();
  const ms = performance.now() - start;
  if (r.status !== 200) throw new Error(`write failed: ${r.status} ${r.text.slice(0, 500)}`);
  return { ms, cpu: cpuMs(pid) - cpu };
}

interface Row {
  readonly name: string;
  readonly put: number;
  readonly putCpu: number;
  readonly patch: number;
  readonly patchCpu: number;
}

async function measure(name: string, store: Record<string, unknown> | undefined, dir: string, lists: readonly string[][]): Promise<Row> {
  await writeFile(join(dir, 'admin.token'), `${TOKEN}\n`);
  const config = {
    upstream: '127.0.0.1:1',
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    admin: { address: '127.0.0.1:0', tokenFile: join(dir, 'admin.token') },
    auditLog: 'off',
    profile: { authorizedIpRanges: ['192.0.2.0/24'] },
    ...(store === undefined ? {} : { store }),
  };
  let gateway: RunningIpgate | undefined;
  try {
    gateway = await startIpgate(dir, config, { readyTimeoutMs: 20_000 });
    const url = gateway.adminUrl ?? '';
    const pid = gateway.child.pid ?? 0;
    const put = (list: readonly string[]) => () => adminRequest(url, 'PUT', '/v1/profile', { token: TOKEN, body: { authorizedIpRanges: list, egressIpRanges: [] } });
    // Warm-up: one write of each list.
    for (const list of lists) await timed(pid, put(list));
    const puts: Sample[] = [];
    for (let i = 0; i < ROUNDS; i++) puts.push(await timed(pid, put(lists[i % lists.length] ?? [])));
    const patches: Sample[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      patches.push(await timed(pid, () => adminRequest(url, 'PATCH', '/v1/profile', { token: TOKEN, body: { add: [`198.18.0.${i + 1}/32`] } })));
    }
    return {
      name,
      put: median(puts.map((s) => s.ms)),
      putCpu: median(puts.map((s) => s.cpu)),
      patch: median(patches.map((s) => s.ms)),
      patchCpu: median(patches.map((s) => s.cpu)),
    };
  } finally {
    await gateway?.stop('SIGKILL');
  }
}

async function main(): Promise<void> {
  const lists = [entries(ENTRIES, 1), entries(ENTRIES, 2)];
  // The floor: reading and writing the body as JSON, in this process.
  const floor: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    const text = JSON.stringify({ authorizedIpRanges: lists[i % 2], egressIpRanges: [] });
    JSON.stringify(JSON.parse(text));
    floor.push(performance.now() - start);
  }
  const floorMs = median(floor);
  process.stdout.write(`PUT of ${ENTRIES.toLocaleString('en')} entries and PATCH of one entry into it, median of ${ROUNDS} (2 cores, loopback)\n`);
  const rows: Row[] = [];
  for (const [name, store, file] of [
    ['file store (json)', { file: 'state/profile.json' }, undefined],
    ['file store (list)', { file: 'state/allow.txt', format: 'list' }, 'allow.txt'],
    ['memory (no store)', undefined, undefined],
  ] as const) {
    const { dir, remove } = await tempDir('ipgate-bench-put-');
    try {
      if (file !== undefined) {
        const { mkdir } = await import('node:fs/promises');
        await mkdir(join(dir, 'state'), { recursive: true });
        await writeFile(join(dir, 'state', file), '192.0.2.0/24\n');
      }
      rows.push(await measure(name, store, dir, lists));
    } finally {
      await remove();
    }
  }
  const head = ['peer'.padEnd(22), 'PUT ms', 'x floor', 'PUT cpu', 'PATCH ms', 'PATCH cpu'];
  process.stdout.write(`${head.map((h, i) => (i === 0 ? h : h.padStart(10))).join(' ')}\n`);
  process.stdout.write(`${'JSON parse+stringify'.padEnd(22)} ${floorMs.toFixed(1).padStart(10)} ${'1.0'.padStart(10)}\n`);
  for (const r of rows) {
    const cells = [r.put.toFixed(1), (r.put / floorMs).toFixed(1), r.putCpu.toFixed(0), r.patch.toFixed(1), r.patchCpu.toFixed(0)];
    process.stdout.write(`${r.name.padEnd(22)} ${cells.map((c) => c.padStart(10)).join(' ')}\n`);
  }
}

await main();
