/**
 * The docs stay true: every config example in README.md and docs/ parses (a fragment, such as a `dataplane:`
 * section alone, is checked inside a minimal config), every topology example parses, every config key is in
 * docs/config.md, every page stays reachable from the README, and every relative link points at a file.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { parse } from 'yaml';
import { KNOWN_KEYS } from '../src/config/schema.js';
import { validateConfig } from '../src/config/validate.js';
import { parseTopology } from '../src/planner/parse-topology.js';
import { ROOT, runIpgate } from './helpers/ipgate.js';
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

/** The commands of the deployment guides: each shell block parses, each `ipgate` command and flag exists. */
const DEPLOY = pages.filter((p) => p.includes('/docs/deploy/'));

/** The `ipgate ...` invocations of a shell block (continuation lines joined), as words. */
function ipgateCommands(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const code = line.replace(/(^|\s)#.*$/, '');
    for (const part of code.split(/&&|\|\||;|\|/)) {
      const words = part.trim().split(/\s+/);
      while (/^[A-Z_]+=/.test(words[0] ?? '')) words.shift();
      if (words[0] === 'ipgate') out.push(words.slice(1));
    }
  }
  return out;
}

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

test('every ipgate command of the deployment guides exists and takes the flags it is given', async () => {
  const helps = new Map<string, string>();
  let checked = 0;
  for (const page of DEPLOY) {
    for (const block of blocks(page).filter((b) => b.lang === 'sh')) {
      for (const words of ipgateCommands(block.text)) {
        const where = `${page.slice(ROOT.length + 1)}:${block.line}: ipgate ${words.join(' ')}`;
        const command = words[0] === 'ranges' || words[0] === 'sources' ? words.slice(0, 2) : words.slice(0, 1);
        const key = command.join(' ');
        if (!helps.has(key)) {
          const r = await runIpgate([...command, '--help']);
          assert.equal(r.code, 0, `${where}: 'ipgate ${key} --help' failed: ${r.stderr}`);
          helps.set(key, r.stdout);
        }
        const help = helps.get(key) ?? '';
        for (const flag of words.filter((w) => /^--?[a-z]/.test(w)).map((w) => w.replace(/=.*$/, ''))) {
          assert.ok(new RegExp(`(^|[\\s,])${flag}([\\s,=]|$)`, 'm').test(help), `${where}: 'ipgate ${key}' has no option ${flag}`);
        }
        checked++;
      }
    }
  }
  assert.ok(checked >= 8, `found the ipgate commands (${checked})`);
});
