/**
 * The docs stay true: every config example in README.md and docs/ parses (a fragment, such as a `dataplane:`
 * section alone, is checked inside a minimal config), every topology example parses, every config key is in
 * docs/config.md, every page stays reachable from the README, and every relative link points at a file. Every
 * `ipgate ...` command line of the pages (code blocks and inline code) and of deploy/ is checked against the
 * CLI's option tables; the deployment guides' shell examples parse; the guide's cut-over edits a kubeadm
 * kube-apiserver manifest (test/fixtures/kubeadm) exactly as it says, and its HAProxy config passes haproxy -c.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parse } from 'yaml';
import { KNOWN_KEYS } from '../src/config/schema.js';
import { validateConfig } from '../src/config/validate.js';
import { parseTopology } from '../src/planner/parse-topology.js';
import { commandProblems, GROUPS, shellInvocations, TABLES, topLevelCommands } from './helpers/cli-lines.js';
import { ROOT } from './helpers/ipgate.js';
import { parseManifests, validateManifest } from './helpers/kubernetes.js';

const DOCS = join(ROOT, 'docs');
/** docs/*.md and the pages of its folders (docs/deploy/). */
function docPages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? docPages(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
}
const pages = [join(ROOT, 'README.md'), ...docPages(DOCS)];

interface Block {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly text: string;
}

function blocks(file: string): Block[] {
  const out: Block[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    out.push({ file, line: start + 1, lang: open[1] ?? '', text: body.join('\n') });
  }
  return out;
}

/** Kubernetes manifests among the YAML examples, validated against the API schema by their own test. */
const manifests: { text: string; where: string }[] = [];

const BASE = { upstream: '127.0.0.1:6444', listeners: [{ name: 'public', address: '0.0.0.0:6443' }], profile: { authorizedIpRanges: ['203.0.113.0/24'] } };

test('every YAML example in the docs is a valid config (or config fragment) or topology', () => {
  let checked = 0;
  for (const page of pages) {
    for (const block of blocks(page).filter((b) => b.lang === 'yaml')) {
      const where = `${block.file.slice(ROOT.length + 1)}:${block.line}`;
      const value = parse(block.text) as Record<string, unknown>;
      assert.ok(typeof value === 'object' && value !== null, `${where}: a YAML mapping`);
      if ('cluster' in value) {
        assert.doesNotThrow(() => parseTopology(block.text, where), where);
      } else if ('apiVersion' in value) {
        manifests.push({ text: block.text, where });
      } else {
        const document = { ...BASE, ...value };
        assert.doesNotThrow(() => validateConfig(document, where, DOCS), (e: unknown) => `${where}: ${String(e)}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 5, `found the examples (${checked})`);
});

test('examples/ipgate.yaml is a valid config', () => {
  const text = readFileSync(join(ROOT, 'examples/ipgate.yaml'), 'utf8');
  assert.doesNotThrow(() => validateConfig(parse(text), 'examples/ipgate.yaml', join(ROOT, 'examples')));
});

test('docs/config.md names every config key', () => {
  const doc = readFileSync(join(DOCS, 'config.md'), 'utf8');
  for (const [at, keys] of Object.entries(KNOWN_KEYS)) {
    for (const key of keys) {
      const path = at === '' ? key : `${at}.${key}`;
      assert.ok(doc.includes(`\`${path}\``) || doc.includes(`\`${path}.`) || doc.includes(`\`${path}[]`), `docs/config.md documents \`${path}\``);
    }
  }
});

test('every docs page is linked from the README, and every relative link points at a file', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const page of pages.slice(1)) assert.ok(readme.includes(`](docs/${page.slice(DOCS.length + 1)})`), `README links ${page.slice(ROOT.length + 1)}`);
  for (const page of pages) {
    const text = readFileSync(page, 'utf8');
    for (const match of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z]+:/.test(target)) continue;
      assert.ok(existsSync(resolve(dirname(page), target)), `${page.slice(ROOT.length + 1)} links ${target}, which does not exist`);
    }
  }
});

test('every Kubernetes manifest in the docs is valid against the Kubernetes API schema', async () => {
  for (const m of manifests) for (const doc of parseManifests(m.text, m.where)) await validateManifest(doc, m.where);
});

/** The shell examples of the deployment guides are meant to be run as they stand: each must parse. */
const DEPLOY = pages.filter((p) => p.includes('/docs/deploy/'));

test('every shell example of the deployment guides parses (bash -n)', () => {
  let checked = 0;
  for (const page of DEPLOY) {
    for (const block of blocks(page).filter((b) => b.lang === 'sh')) {
      assert.doesNotThrow(() => execFileSync('bash', ['-n'], { input: block.text, stdio: ['pipe', 'pipe', 'pipe'] }), `${page.slice(ROOT.length + 1)}:${block.line}`);
      checked++;
    }
  }
  assert.ok(checked >= 10, `found the shell examples (${checked})`);
});

/** Inline code that is an ipgate command line (`ipgate serve --check`), outside the code blocks. */
function inlineCommands(file: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let inBlock = false;
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (/^```/.test(line)) inBlock = !inBlock;
    if (inBlock) return;
    // A span may wrap onto the next line; markdown tables escape | as \|.
    for (const m of line.matchAll(/`(ipgate [^`]*)`/g)) out.push({ line: i + 1, text: (m[1] ?? '').replace(/\\\|/g, '|') });
  });
  return out;
}

test('every ipgate command line in the README and docs/ names a command, options and output forms it has', (t) => {
  assert.deepEqual(topLevelCommands().filter((c) => !TABLES.has(c) && !GROUPS.has(c)), [], 'every command has a table here');
  for (const [name, group] of GROUPS) for (const c of group.commands) assert.ok(TABLES.has(`${name} ${c.name}`), `a table for ipgate ${name} ${c.name}`);
  const problems: string[] = [];
  let checked = 0;
  for (const page of pages) {
    const file = page.slice(ROOT.length + 1);
    for (const block of blocks(page)) {
      const shell = block.lang === 'sh' || block.lang === 'bash';
      if (!shell && block.lang !== 'console' && block.lang !== 'text') continue;
      for (const args of shellInvocations(block.text, shell ? 'shell' : block.lang === 'console' ? 'console' : 'text')) {
        problems.push(...commandProblems(args).map((p) => `${file}:${block.line}: ipgate ${args.join(' ')}: ${p}`));
        checked++;
      }
    }
    for (const span of inlineCommands(page)) {
      for (const args of shellInvocations(span.text)) {
        problems.push(...commandProblems(args, { prose: true }).map((p) => `${file}:${span.line}: \`${span.text}\`: ${p}`));
        checked++;
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 100, `found the command lines (${checked})`);
  t.diagnostic(`${checked} command lines checked`);
});

test('the ipgate command lines of deploy/ (systemd units, Kubernetes manifests) and the Dockerfile are right too', () => {
  const problems: string[] = [];
  let checked = 0;
  const take = (where: string, args: readonly string[]): void => {
    problems.push(...commandProblems(args).map((p) => `${where}: ipgate ${args.join(' ')}: ${p}`));
    checked++;
  };
  for (const unit of readdirSync(join(ROOT, 'deploy/systemd'))) {
    for (const m of readFileSync(join(ROOT, 'deploy/systemd', unit), 'utf8').matchAll(/^Exec[A-Za-z]*=[-@:+!]*(.*)$/gm)) {
      for (const args of shellInvocations(m[1] ?? '')) take(`deploy/systemd/${unit}`, args);
    }
  }
  for (const file of readdirSync(join(ROOT, 'deploy/kubernetes'))) {
    for (const doc of parseManifests(readFileSync(join(ROOT, 'deploy/kubernetes', file), 'utf8'), file)) {
      const spec = (doc.kind === 'Pod' ? doc['spec'] : (doc['spec'] as { template?: { spec?: unknown } } | undefined)?.template?.spec) as { containers?: { image?: string; args?: string[] }[] } | undefined;
      for (const c of spec?.containers ?? []) if (c.image?.includes('ipgate') === true && c.args !== undefined) take(`deploy/kubernetes/${file}`, c.args);
    }
  }
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  assert.ok(cmd !== undefined, 'the Dockerfile has a CMD');
  take('Dockerfile CMD', JSON.parse(cmd) as string[]);
  assert.deepEqual(problems, []);
  assert.ok(checked >= 5, `found the command lines (${checked})`);
});

test('the command-line check finds what is wrong', () => {
  const wrong: [string, RegExp][] = [
    ['ipgate stauts', /no command "stauts"/],
    ['ipgate serve --chek --config x.yaml', /no option --chek/],
    ['ipgate ranges shw', /no subcommand "shw"/],
    ['ipgate sources --config x.yaml', /takes a subcommand/],
    ['ipgate status -o text', /no output form "text"/],
    ['ipgate plan t.yaml --output text|json|svg', /no output form "svg"/],
    ['ipgate serve --config', /--config needs a value/],
    ['ipgate serve --check=yes --config x.yaml', /--check takes no value/],
    ['ipgate whoami 10.0.0.1', /at most 0 argument/],
    ['IPGATE_SERVER=x ipgate version --json', /no option --json/],
  ];
  for (const [line, expected] of wrong) {
    const problems = shellInvocations(line).flatMap((args) => commandProblems(args));
    assert.ok(problems.some((p) => expected.test(p)), `${line}: ${problems.join('; ') || 'no problem found'}`);
  }
  for (const line of ['ipgate status -o table', 'ipgate ranges show|set ... --profile NAME', 'ipgate plan TOPOLOGY [--output text|json|dot]', 'sudo ipgate serve --check --config /etc/ipgate/ipgate.yaml', 'ipgate --version']) {
    assert.deepEqual(shellInvocations(line).flatMap((args) => commandProblems(args, { prose: true })), [], line);
  }
});

/** A code block of a page, found by a piece of its text. */
function blockWith(page: string, piece: string): Block {
  const found = blocks(join(DOCS, page)).find((b) => b.text.includes(piece));
  assert.ok(found !== undefined, `docs/${page} has a block with ${piece}`);
  return found;
}

test("the guide's cut-over edits a kubeadm kube-apiserver manifest as it says: bind address added, probes on 127.0.0.1, nothing else", async () => {
  const block = blockWith('deploy/kube-apiserver.md', 'kube-apiserver.ipgate.yaml');
  const sed = block.text.replace(/\\\n/g, ' ').split('\n').find((l) => l.startsWith('sed '));
  assert.ok(sed !== undefined, 'the cut-over has the sed command');
  const dir = mkdtempSync(join(tmpdir(), 'ipgate-cutover-'));
  try {
    const fixture = join(ROOT, 'test/fixtures/kubeadm/kube-apiserver.yaml');
    const out = join(dir, 'kube-apiserver.ipgate.yaml');
    const command = sed.replace('/root/ipgate-backup/kube-apiserver.yaml', fixture).replace('/root/ipgate-backup/kube-apiserver.ipgate.yaml', out);
    assert.notEqual(command, sed, 'the paths were substituted');
    execFileSync('bash', ['-c', command]);
    const before = parse(readFileSync(fixture, 'utf8')) as { spec: { containers: Record<string, unknown>[] } };
    const after = parse(readFileSync(out, 'utf8')) as typeof before;
    const [was, is] = [before.spec.containers[0], after.spec.containers[0]];
    assert.ok(was !== undefined && is !== undefined);
    const args = is['command'] as string[];
    assert.equal(args.filter((a) => a.startsWith('--bind-address')).length, 1);
    assert.equal(args[args.indexOf('--secure-port=6443') + 1], '--bind-address=127.0.0.1');
    assert.ok(args.includes('--advertise-address=10.0.0.11'), 'the advertise address stays');
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      assert.equal((is[probe] as { httpGet: { host: string } }).httpGet.host, '127.0.0.1', probe);
    }
    // Nothing else changed.
    const expected = structuredClone(was);
    (expected['command'] as string[]).splice(args.indexOf('--bind-address=127.0.0.1'), 0, '--bind-address=127.0.0.1');
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) (expected[probe] as { httpGet: { host: string } }).httpGet.host = '127.0.0.1';
    assert.deepEqual(after, { ...before, spec: { ...before.spec, containers: [expected] } });
    for (const doc of parseManifests(readFileSync(out, 'utf8'), 'the edited kube-apiserver.yaml')) await validateManifest(doc, 'the edited kube-apiserver.yaml');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the guide's HAProxy config for the fleet passes haproxy -c", () => {
  const block = blockWith('deploy/kube-apiserver.md', 'frontend kube-apiserver');
  const dir = mkdtempSync(join(tmpdir(), 'ipgate-haproxy-doc-'));
  try {
    // The guide shows the sections it changes; HAProxy's own global and defaults come from the package.
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, `global\n  log stdout format raw local0\ndefaults\n  log global\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n${block.text}\n`);
    const result = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
    assert.equal(result.status, 0, `haproxy -c: ${result.stdout}${result.stderr}`);
    assert.doesNotMatch(`${result.stdout}${result.stderr}`, /\[WARNING\]|\[ALERT\]/, 'haproxy -c has nothing to say');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
