/**
 * `-o json` and `-o yaml` on every command that prints results: offline commands against fixture files, the
 * gateway client commands against a real `ipgate serve` child. Each output must parse (JSON / YAML) and hold
 * the same data; the older spellings (`--json`, `--format json`, `--output json`) print exactly what
 * `-o json` prints; the exit code does not depend on the format.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ROOT, runIpgate } from './helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { tempDir } from './helpers/tmp.js';

interface Case {
  readonly name: string;
  /** The command; `{dir}` is the fixture directory. */
  readonly args: readonly string[];
  /** Exit codes the command may give (the same for every format). */
  readonly codes: readonly number[];
  /** An older spelling that must print what `-o json` prints. */
  readonly alias?: readonly string[];
  /** The output holds times that move from one run to the next (of a sync, a cache). */
  readonly volatile?: boolean;
  /** Run once before (a sync whose first run changes the cache reports "unchanged" from then on). */
  readonly warm?: boolean;
}

/** Replaces ISO times and sync counts (which each sync moves on) so two runs can be compared. */
function steady(value: unknown): unknown {
  if (typeof value === 'string') return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value) ? '<time>' : value;
  if (Array.isArray(value)) return value.map(steady);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'syncs' ? '<count>' : steady(v)]));
  }
  return value;
}

async function checkCase(c: Case, run: (args: readonly string[]) => Promise<{ code: number | string; stdout: string; stderr: string }>): Promise<void> {
  if (c.warm === true) await run(c.args);
  const json = await run([...c.args, '-o', 'json']);
  const yaml = await run([...c.args, '-o', 'yaml']);
  assert.ok(c.codes.includes(Number(json.code)), `${c.name} -o json exited ${json.code}: ${json.stderr}`);
  assert.equal(yaml.code, json.code, `${c.name}: the same exit code for json and yaml (${yaml.stderr})`);
  let fromJson: unknown;
  assert.doesNotThrow(() => (fromJson = JSON.parse(json.stdout)), `${c.name} -o json parses as JSON:\n${json.stdout}`);
  let fromYaml: unknown;
  assert.doesNotThrow(() => (fromYaml = parseYaml(yaml.stdout)), `${c.name} -o yaml parses as YAML:\n${yaml.stdout}`);
  assert.ok(typeof fromJson === 'object' && fromJson !== null, `${c.name}: JSON holds an object`);
  assert.ok(!yaml.stdout.trimStart().startsWith('{'), `${c.name}: -o yaml is not JSON`);
  assert.deepEqual(c.volatile === true ? steady(fromYaml) : fromYaml, c.volatile === true ? steady(fromJson) : fromJson, `${c.name}: the same data`);
  if (c.alias !== undefined) {
    const old = await run([...c.args, ...c.alias]);
    assert.equal(old.code, json.code, `${c.name} ${c.alias.join(' ')}`);
    if (c.volatile === true) assert.deepEqual(steady(JSON.parse(old.stdout)), steady(fromJson));
    else assert.equal(old.stdout, json.stdout, `${c.name}: ${c.alias.join(' ')} prints what -o json prints`);
  }
}

describe('offline commands', () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir('ipgate-cli-output-'));
    writeFileSync(join(dir, 'ranges.txt'), '73.140.245.0/24\n10.0.0.1/24  # host bits\n2001:db8::/32\n');
    writeFileSync(join(dir, 'good.txt'), '73.140.245.0/24\n73.140.244.0/24, 2001:db8::/32\n');
    writeFileSync(join(dir, 'office.txt'), '20.1.2.0/24\n52.1.0.0/25\n');
    writeFileSync(join(dir, 'ipgate.yaml'), [
      'profile:',
      '  authorizedIpRanges: [73.140.245.0/24, "office:"]',
      '  egressIpRanges: [20.50.1.7/32]',
      'sources:',
      '  - { name: office, type: text, file: ./office.txt }',
      '',
    ].join('\n'));
  });
  after(() => remove());
  const at = (args: readonly string[]): string[] => args.map((a) => a.replace('{dir}', dir));
  const run = (args: readonly string[]): ReturnType<typeof runIpgate> => runIpgate(at(args));

  const CASES: readonly Case[] = [
    { name: 'ranges validate (invalid list)', args: ['ranges', 'validate', '{dir}/ranges.txt'], codes: [1], alias: ['--json'] },
    { name: 'ranges validate --target aks', args: ['ranges', 'validate', '--target', 'aks', '{dir}/good.txt'], codes: [1], alias: ['--json'] },
    { name: 'check (allowed)', args: ['check', '73.140.245.9', '--ranges', '{dir}/good.txt'], codes: [0], alias: ['--json'] },
    { name: 'check (denied)', args: ['check', '::ffff:8.8.8.8', '--ranges', '{dir}/good.txt'], codes: [1], alias: ['--json'] },
    { name: 'merge', args: ['merge', '{dir}/good.txt'], codes: [0] },
    { name: 'condense', args: ['condense', '--max', '2', '{dir}/good.txt'], codes: [0], alias: ['--format', 'json'] },
    { name: 'plan', args: ['plan', join(ROOT, 'examples/topology.yaml')], codes: [1], alias: ['--output', 'json'] },
    { name: 'export', args: ['export', '--config', '{dir}/ipgate.yaml', '--target', 'gke'], codes: [0], alias: ['--format', 'json'] },
    { name: 'sources sync --config', args: ['sources', 'sync', '--config', '{dir}/ipgate.yaml'], codes: [0], alias: ['--output', 'json'], volatile: true, warm: true },
    { name: 'sources show --config', args: ['sources', 'show', '--config', '{dir}/ipgate.yaml', '--all'], codes: [0], alias: ['--output', 'json'], volatile: true },
  ];
  for (const c of CASES) it(c.name, () => checkCase(c, run));

  it('an output form a command does not have is a usage error naming the forms it has', async () => {
    const r = await run(['merge', '{dir}/good.txt', '-o', 'dot']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ipgate: merge: unknown output format "dot"; expected lines, json, yaml; see 'ipgate merge --help' \(ERR_USAGE\)\n$/);
    const both = await run(['check', '1.2.3.4', '--ranges', '{dir}/good.txt', '--json', '-o', 'yaml']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /ask for different output formats/);
  });

  it('the human forms stay the default, and can be named', async () => {
    const merged = await run(['merge', '{dir}/good.txt']);
    assert.equal(merged.stdout, '73.140.244.0/23\n2001:db8::/32\n');
    assert.equal((await run(['merge', '{dir}/good.txt', '-o', 'lines'])).stdout, merged.stdout);
    const text = await run(['check', '73.140.245.9', '--ranges', '{dir}/good.txt', '--output', 'text']);
    assert.match(text.stdout, /^allowed: 73\.140\.245\.9 is in 73\.140\.245\.0\/24/);
    const dot = await run(['plan', join(ROOT, 'examples/topology.yaml'), '-o', 'dot']);
    assert.match(dot.stdout, /^digraph /);
    const az = await run(['export', '--config', '{dir}/ipgate.yaml', '--target', 'aks', '-o', 'az']);
    assert.equal(az.code, 0, az.stderr);
    assert.match(az.stdout, /^az aks update /);
  });
});

describe('gateway client commands (a real ipgate serve)', () => {
  let fx: GatewayFixture;
  let auth: string[];
  before(async () => {
    fx = await gatewayFixture((dir) => {
      writeFileSync(join(dir, 'office.txt'), '198.51.100.0/24\n');
      return {
        listeners: [{ name: 'public', address: '127.0.0.1:0' }],
        store: { file: 'profile.json' },
        profile: { authorizedIpRanges: ['127.0.0.1/32', '10.0.0.0/8', 'office:'], egressIpRanges: ['20.50.1.7/32'] },
        sources: [{ name: 'office', type: 'text', file: './office.txt' }],
      };
    });
    auth = ['--server', fx.adminUrl, '--token-file', join(fx.dir, 'admin.token')];
  });
  after(() => fx.close());
  const run = (args: readonly string[]): ReturnType<typeof runIpgate> => runIpgate([...args, ...auth]);

  const CASES: readonly Case[] = [
    { name: 'ranges show', args: ['ranges', 'show'], codes: [0], alias: ['--output', 'json'] },
    { name: 'ranges set --dry-run', args: ['ranges', 'set', '127.0.0.1/32', '192.0.2.0/24', '--dry-run'], codes: [0], alias: ['--output', 'json'] },
    { name: 'ranges add --dry-run', args: ['ranges', 'add', '192.0.2.0/24', '--dry-run'], codes: [0], alias: ['--output', 'json'] },
    { name: 'ranges add --note --expires --dry-run', args: ['ranges', 'add', '192.0.2.7', '--note', 'Alice', '--expires', '2099-01-01T00:00:00Z', '--dry-run'], codes: [0], alias: ['--output', 'json'] },
    { name: 'history', args: ['history', '--limit', '5'], codes: [0], alias: ['--output', 'json'] },
    { name: 'ranges remove --dry-run', args: ['ranges', 'remove', '10.0.0.0/8', '--dry-run'], codes: [0], alias: ['--output', 'json'] },
    { name: 'ranges disable --dry-run', args: ['ranges', 'disable', '--dry-run'], codes: [0], alias: ['--output', 'json'] },
    { name: 'whoami', args: ['whoami'], codes: [0], alias: ['--output', 'json'] },
    { name: 'explain (refused)', args: ['explain', '203.0.113.9'], codes: [1], alias: ['--output', 'json'] },
    { name: 'explain (a reference)', args: ['explain', '198.51.100.7'], codes: [0], alias: ['--output', 'json'] },
    { name: 'sources show', args: ['sources', 'show'], codes: [0], alias: ['--output', 'json'], volatile: true },
    { name: 'sources sync', args: ['sources', 'sync'], codes: [0], alias: ['--output', 'json'], volatile: true, warm: true },
  ];
  for (const c of CASES) it(c.name, () => checkCase(c, run));

  it('the ranges change commands print the same data in a real change, as JSON and as YAML', async () => {
    const add = await run(['ranges', 'add', '192.0.2.0/24', '-o', 'yaml']);
    assert.equal(add.code, 0, add.stderr);
    const added = parseYaml(add.stdout) as { dryRun: boolean; added: string[]; authorizedIpRanges: string[]; etag: string };
    assert.equal(added.dryRun, false);
    assert.deepEqual(added.added, ['192.0.2.0/24']);
    assert.ok(added.authorizedIpRanges.includes('192.0.2.0/24'));
    const shown = JSON.parse((await run(['ranges', 'show', '-o', 'json'])).stdout) as { etag: string; authorizedIpRanges: string[] };
    assert.equal(shown.etag, added.etag);
    assert.deepEqual(shown.authorizedIpRanges, added.authorizedIpRanges);
    const removed = await run(['ranges', 'remove', '192.0.2.0/24', '-o', 'json']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual((JSON.parse(removed.stdout) as { removed: string[] }).removed, ['192.0.2.0/24']);
  });
});
