/**
 * Help and errors of the real CLI: `-h` and `--help` on every command and subcommand (found by walking the
 * command lists the help pages themselves print, and checked against the list of commands), every page with
 * the same sections in the same order; and every error, usage errors included, printed with the `ipgate:`
 * prefix once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runIpgate } from './helpers/ipgate.js';

const EXPECTED = [
  '', 'ranges', 'ranges validate', 'ranges show', 'ranges set', 'ranges add', 'ranges remove', 'ranges disable',
  'check', 'merge', 'condense', 'serve', 'whoami', 'explain', 'history', 'export', 'sources', 'sources show', 'sources sync', 'nft', 'nft remove', 'plan', 'import',
  'status', 'version',
  'refusals', 'context', 'context use', 'context list', 'context set',
];
/** Pages of commands that run something rather than print a result. */
const NO_OUTPUT = new Set(['', 'ranges', 'sources', 'nft', 'serve', 'context', 'context use', 'context set']);

async function help(path: string, flag: '-h' | '--help'): Promise<string> {
  const r = await runIpgate([...(path === '' ? [] : path.split(' ')), flag]);
  assert.equal(r.code, 0, `ipgate ${path} ${flag}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}

/** The page's sections, by their heading lines, in order. */
function sections(page: string): string[] {
  return page.split('\n').filter((l) => /^[A-Z][a-z ]+:$/.test(l) || l.startsWith('Usage: ')).map((l) => l.slice(0, l.indexOf(':') + 1));
}

/** The command names a page lists under `Commands:`. */
function commandsOf(page: string): string[] {
  const lines = page.split('\n');
  const start = lines.indexOf('Commands:');
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^ {2}(\S+) {2,}/.exec(line);
    if (m === null) break;
    out.push(m[1] ?? '');
  }
  return out;
}

/** Runs `fn` over `items`, a few at a time (each is a process start). */
async function each<T>(items: readonly T[], fn: (item: T) => Promise<void>, limit = 4): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

test('-h and --help work on every command and subcommand, and every page has the same sections', async () => {
  const seen: string[] = [];
  let level = [''];
  while (level.length > 0) {
    const next: string[] = [];
    await each(level, async (path) => {
      seen.push(path);
      next.push(...(await checkPage(path)));
    });
    level = next;
  }
  assert.deepEqual([...seen].sort(), [...EXPECTED].sort());
});

/** Checks the help page of `ipgate PATH`; returns the paths of the subcommands it lists. */
async function checkPage(path: string): Promise<string[]> {
    const page = await help(path, '--help');
    assert.equal(await help(path, '-h'), page, `ipgate ${path}: -h and --help print the same page`);
    const lines = page.split('\n');
    assert.ok(lines[0]?.startsWith(`Usage: ipgate${path === '' ? '' : ` ${path}`}`), `ipgate ${path}: starts with its usage\n${page}`);
    assert.equal(lines.filter((l) => l.startsWith('       ipgate')).length + 1, lines.findIndex((l) => l === ''), `ipgate ${path}: usage lines, then a blank line`);
    const description = lines[lines.findIndex((l) => l === '') + 1] ?? '';
    assert.ok(description.length > 10 && !description.endsWith(':'), `ipgate ${path}: a description follows the usage\n${page}`);
    const subs = commandsOf(page);
    assert.deepEqual(sections(page), ['Usage:', ...(subs.length > 0 ? ['Commands:'] : []), 'Options:', 'Examples:', 'Exit codes:'], `ipgate ${path}: sections\n${page}`);
    assert.match(page, /^ {2}-h, --help +show this help$/m, `ipgate ${path}: -h in the options`);
    const examples = lines.slice(lines.indexOf('Examples:') + 1, lines.indexOf('Exit codes:') - 1);
    assert.ok(examples.length > 0 && examples.every((e) => e.startsWith('  ') && e.includes('ipgate ')), `ipgate ${path}: examples\n${examples.join('\n')}`);
    const exits = lines.slice(lines.indexOf('Exit codes:') + 1).filter((l) => l !== '');
    assert.ok(exits.length > 0 && exits.every((e) => /^ {2,3}\d{1,2} {2}\S/.test(e)), `ipgate ${path}: exit codes\n${exits.join('\n')}`);
    if (!NO_OUTPUT.has(path)) {
      assert.match(page, /^ {2}-o, --output FORMAT +.*\bjson\b.*\byaml\b/m, `ipgate ${path}: -o with json and yaml`);
    }
    return subs.map((sub) => (path === '' ? sub : `${path} ${sub}`));
}

test('help is printed wherever -h stands, even when required arguments are missing', async () => {
  await each([['ranges', 'add', '-h'], ['ranges', 'add', '10.0.0.0/8', '--help'], ['export', '--target', 'aks', '-h'], ['serve', '-h'], ['sources', 'sync', '-h']], async (args) => {
    const r = await runIpgate(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: ipgate ${args[0] ?? ''}`));
  });
});

test('each option line names its environment fallback; old spellings are documented as aliases', async () => {
  for (const path of ['whoami', 'explain', 'refusals', 'ranges show', 'ranges add', 'sources show', 'sources sync', 'status']) {
    const page = await help(path, '--help');
    assert.match(page, /--server URL .*\[env: IPGATE_SERVER\]/, path);
    assert.match(page, /--token-file FILE .*\[env: IPGATE_TOKEN_FILE\]/, path);
    assert.match(page, /--context NAME .*\[env: IPGATE_CONTEXT\]/, path);
    assert.match(page, /--cacert FILE /, path);
    assert.match(page, /--cert FILE /, path);
    assert.match(page, /--key FILE /, path);
  }
  const serve = await help('serve', '--help');
  assert.match(serve, /--config FILE .*\[env: IPGATE_CONFIG\]/);
  assert.match(serve, /--log-level LEVEL .*debug, info, warn, error \[default: info\] \[env: IPGATE_LOG_LEVEL\]/);
  assert.match(await help('check', '-h'), /--json +alias of -o json/);
  assert.match(await help('ranges validate', '-h'), /--json +alias of -o json/);
  assert.match(await help('condense', '-h'), /--format FORMAT +alias of -o FORMAT/);
  assert.match(await help('export', '-h'), /--format FORMAT +alias of -o FORMAT/);
});

test('every error starts with "ipgate: " once, usage errors included', async () => {
  const CASES: string[][] = [
    ['frob'],
    ['ranges'],
    ['ranges', 'frob'],
    ['ranges', 'add', '--server', 'http://127.0.0.1:9', '--token-file', '/dev/null'],
    ['ranges', 'add', '10.0.0.0/8', '--bogus'],
    ['ranges', 'show', '--force'],
    ['ranges', 'show', '-o', 'xml', '--server', 'http://127.0.0.1:9'],
    ['ranges', 'validate', '--target', 'gcp'],
    ['check'],
    ['check', '1.2.3.4'],
    ['check', '1.2.3.4', '--ranges'],
    ['merge', '--max', '3'],
    ['merge', 'a', 'b'],
    ['condense'],
    ['condense', '--max', 'x'],
    ['condense', '--max', '1', '--objective', 'fast'],
    ['plan'],
    ['plan', 'x.yaml', '--target', 'gcp'],
    ['export'],
    ['export', '--config', 'x.yaml'],
    ['export', '--config', 'x.yaml', '--target', 'azure'],
    ['serve'],
    ['serve', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:9', '--ranges', 'x.txt', '--admin', '127.0.0.1:0'],
    ['serve', '--config', 'x.yaml', '--listen', '127.0.0.1:0'],
    ['whoami', '--server', ''],
    ['explain', '--server', 'http://127.0.0.1:9', '--token-file', '/dev/null'],
    ['sources'],
    ['sources', 'frob'],
    ['sources', 'show', '--all', '--server', 'http://127.0.0.1:9'],
    ['context'],
    ['context', 'frob'],
    ['context', 'use'],
    ['context', 'use', 'nowhere'],
    ['context', 'set', 'x'],
    ['refusals', '--context', 'nowhere'],
    ['ranges', 'add', '--mine', '10.0.0.0/8', '--server', 'http://127.0.0.1:9', '--token-file', '/dev/null'],
    ['whoami', '--server', 'http://127.0.0.1:9', '--token-file', '/dev/null', '--cacert', '/dev/null'],
    ['nft'],
    ['nft', 'frob'],
    ['nft', 'remove', '--binary', '/nonexistent/nft'],
    ['serve', '--check'],
    ['serve', '--check', '--listen', '127.0.0.1:0', '--config', 'x.yaml'],
    ['status', '-o', 'xml', '--server', 'http://127.0.0.1:9'],
    ['version', 'now'],
  ];
  await each(CASES, async (args) => {
    const r = await runIpgate(args, undefined, { IPGATE_SERVER: '', IPGATE_TOKEN_FILE: '', IPGATE_CONFIG: '', IPGATE_CONTEXT: '', IPGATE_CONFIG_HOME: '/nonexistent/ipgate-config' });
    assert.equal(r.code, 2, `${args.join(' ')}: exit 2\n${r.stderr}`);
    if (r.stderr === '') {
      // A group without its subcommand prints its help page (on stdout) and exits 2.
      assert.match(r.stdout, /^Usage: ipgate/, args.join(' '));
      return;
    }
    const first = r.stderr.split('\n')[0] ?? '';
    assert.match(first, /^ipgate: \S/, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(first.match(/ipgate:/g)?.length, 1, `${args.join(' ')}: "ipgate:" once\n${r.stderr}`);
    assert.doesNotMatch(first, /^ipgate: ipgate\b/, `${args.join(' ')}: ${r.stderr}`);
    assert.match(first, /\(ERR_[A-Z_]+\)/, `${args.join(' ')}: the code on the first line\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});
