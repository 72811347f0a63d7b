import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'ipgate.js');
const EXAMPLE = join(ROOT, 'examples', 'topology.yaml');

interface Run { code: number; stdout: string; stderr: string }

function ipgate(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function withFile<T>(text: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ipgate-plan-'));
  try {
    const path = join(dir, 'topology.yaml');
    await writeFile(path, text);
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const REACHABLE = `
cluster:
  name: c
  apiServer: { publicEndpoint: true }
  egressIpRanges: [20.50.1.7/32]
  authorizedIpRanges: [73.140.245.0/24]
clients:
  - { name: office, via: internet, sourceIpRanges: [73.140.245.0/24] }
`;

test('the files in examples/ are what ipgate plan prints for examples/topology.yaml', async () => {
  for (const [output, file] of [['text', 'topology.txt'], ['json', 'topology.json'], ['dot', 'topology.dot']] as const) {
    const run = await ipgate(['plan', EXAMPLE, '--output', output]);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, await readFile(join(ROOT, 'examples', file), 'utf8'), `examples/${file} is stale: regenerate it with ipgate plan examples/topology.yaml --output ${output}`);
  }
});

test('text output answers the question: blocked admins with the peering flags and DNS fix', async () => {
  const run = await ipgate(['plan', EXAMPLE]);
  assert.equal(run.code, 1);
  assert.match(run.stdout, /^admins: BLOCKED$/m);
  assert.match(run.stdout, /set allowGatewayTransit: true on the peering from hub-vnet to aks-vnet/);
  assert.match(run.stdout, /set useRemoteGateways: true on the peering from aks-vnet to hub-vnet/);
  assert.match(run.stdout, /resolve to the internal VIP 10\.1\.0\.4/);
  assert.match(run.stdout, /^office: REACHABLE$/m);
  assert.match(run.stdout, /172\.16\.201\.0\/24 admits no client/);
});

test('json output has the documented shape', async () => {
  const run = await ipgate(['plan', EXAMPLE, '--output', 'json']);
  const data = JSON.parse(run.stdout) as { clients: Array<Record<string, unknown>>; profile: Record<string, unknown> };
  for (const c of data.clients) {
    for (const key of ['name', 'path', 'sources', 'verdict', 'blockers']) assert.ok(key in c, key);
    for (const b of c['blockers'] as Array<Record<string, unknown>>) for (const key of ['code', 'message', 'fix']) assert.ok(key in b);
  }
  assert.deepEqual(data.clients.map((c) => c['verdict']), ['blocked', 'unknown', 'reachable', 'reachable']);
  assert.equal(data.profile['limit'], 200);
});

test('exit 0 when every client gets in; --target changes the limit', async () => {
  await withFile(REACHABLE, async (path) => {
    const run = await ipgate(['plan', path, '--target', 'gke']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /GKE accepts at most 50/);
    assert.match(run.stdout, /1 of 1 client reaches the API server\./);
  });
});

test('dot output is a Graphviz graph with the client paths coloured', async () => {
  const run = await ipgate(['plan', EXAMPLE, '--output', 'dot']);
  assert.match(run.stdout, /^digraph /);
  assert.match(run.stdout, /client0 -> internet \[color="#cf222e"/); // admins, blocked
  assert.match(run.stdout, /net0 -> vip \[color="#1a7f37"/); // jumpbox, reachable
  assert.match(run.stdout, /\}\n$/);
});

test('exit 2 with every problem and its key path for an invalid topology', async () => {
  const bad = REACHABLE.replace('via: internet', 'via: { vpn: hub }').replace('[73.140.245.0/24] }', '[73.140.245.1/24] }');
  await withFile(bad, async (path) => {
    const run = await ipgate(['plan', path]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /ERR_TOPOLOGY_INVALID/);
    assert.match(run.stderr, /clients\[0\]\.via\.vpn: unknown network "hub"/);
    assert.match(run.stderr, /clients\[0\]\.via\.kind/);
    assert.match(run.stderr, /clients\[0\]\.sourceIpRanges\[0\].*73\.140\.245\.0\/24/);
    assert.doesNotMatch(run.stderr, /\n\s+at /); // no stack trace
    const json = await ipgate(['plan', path, '--output', 'json']);
    assert.equal(json.code, 2);
    const data = JSON.parse(json.stdout) as { error: { code: string; problems: Array<{ path: string }> } };
    assert.equal(data.error.code, 'ERR_TOPOLOGY_INVALID');
    assert.ok(data.error.problems.some((p) => p.path === 'clients[0].via.vpn'));
  });
});

test('exit 2 for usage mistakes and unreadable files', async () => {
  assert.equal((await ipgate(['plan'])).code, 2);
  assert.equal((await ipgate(['plan', EXAMPLE, '--output', 'xml'])).code, 2);
  assert.equal((await ipgate(['plan', EXAMPLE, '--target', 'gcp'])).code, 2);
  const missing = await ipgate(['plan', join(ROOT, 'examples', 'no-such-file.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /ERR_FILE/);
  const help = await ipgate(['plan', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--output FORMAT/);
});
