/**
 * The CLI's server-mode commands against a real `ipgate serve`: the real bin/ipgate.js as child processes,
 * talking to the real admin API, checked by exit code and output.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipgate, tempFiles, type CliResult } from './helpers/offline-cli.js';
import { freePort, waitHttpOk, stopChild } from './helpers/client-serve.js';
import { BIN } from './helpers/offline-cli.js';

let serve: ChildProcess;
let files: Record<string, string>;
let adminUrl: string;
let auth: string[];

async function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  if (Object.keys(env).length === 0) return ipgate(args);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function profileJson(): Promise<{ etag: string; authorizedIpRanges: string[]; egressIpRanges: string[] }> {
  const r = await cli(['ranges', 'show', ...auth, '--output', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { etag: string; authorizedIpRanges: string[]; egressIpRanges: string[] };
}

before(async () => {
  const [port, adminPort] = [await freePort(), await freePort()];
  files = tempFiles({ 'admin.token': 'test-token-4f1c9a\n', 'wrong.token': 'not-the-token\n' });
  const config = join(files['dir'] ?? '', 'ipgate.yaml');
  writeFileSync(
    config,
    [
      'upstream: 127.0.0.1:9',
      'listeners:',
      '  - name: public',
      `    address: 127.0.0.1:${port}`,
      '    enforce: true',
      'admin:',
      `  address: 127.0.0.1:${adminPort}`,
      `  tokenFile: ${files['admin.token'] ?? ''}`,
      'store:',
      `  file: ${join(files['dir'] ?? '', 'profile.json')}`,
      'profile:',
      '  authorizedIpRanges: [127.0.0.1/32, 10.0.0.0/8]',
      '  egressIpRanges: [20.50.1.7/32]',
      '',
    ].join('\n'),
  );
  serve = spawn(process.execPath, [BIN, 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  serve.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  serve.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitHttpOk(`${adminUrl}/readyz`, serve, () => log);
  auth = ['--server', adminUrl, '--token-file', files['admin.token'] ?? ''];
});

after(async () => {
  await stopChild(serve);
});

describe('ipgate ranges (server mode)', () => {
  it('show prints the profile as a table and as JSON with the ETag', async () => {
    const table = await cli(['ranges', 'show', ...auth]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /AUTHORIZED RANGES \(2\)\n {2}127\.0\.0\.1\/32\n {2}10\.0\.0\.0\/8/);
    assert.match(table.stdout, /EGRESS RANGES \(1\)\n {2}20\.50\.1\.7\/32/);
    assert.match(table.stdout, /mode: +enforced/);
    const json = await profileJson();
    assert.deepEqual(json.authorizedIpRanges, ['127.0.0.1/32', '10.0.0.0/8']);
    assert.deepEqual(json.egressIpRanges, ['20.50.1.7/32']);
    assert.match(json.etag, /^"[^"]+"$/);
  });

  it('add and remove change the gateway profile', async () => {
    const add = await cli(['ranges', 'add', '192.0.2.0/24', '198.51.100.7', ...auth]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /added: +192\.0\.2\.0\/24/);
    let p = await profileJson();
    assert.ok(p.authorizedIpRanges.includes('192.0.2.0/24'), JSON.stringify(p));
    assert.equal(p.authorizedIpRanges.length, 4);
    const explain = await cli(['explain', '192.0.2.99', ...auth]);
    assert.equal(explain.code, 0, explain.stderr);

    const remove = await cli(['ranges', 'remove', '192.0.2.0/24', ...auth, '--output', 'json']);
    assert.equal(remove.code, 0, remove.stderr);
    const body = JSON.parse(remove.stdout) as { removed: string[]; authorizedIpRanges: string[]; dryRun: boolean };
    assert.deepEqual(body.removed, ['192.0.2.0/24']);
    assert.equal(body.dryRun, false);
    assert.ok(!body.authorizedIpRanges.includes('192.0.2.0/24'));
    p = await profileJson();
    assert.ok(!p.authorizedIpRanges.includes('192.0.2.0/24'));
    const explainAfter = await cli(['explain', '192.0.2.99', ...auth]);
    assert.equal(explainAfter.code, 1, explainAfter.stderr);
  });

  it('a bad entry is refused with the server code and suggestion, and nothing changes', async () => {
    const before = await profileJson();
    const r = await cli(['ranges', 'add', '10.20.0.1/24', ...auth]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ERR_/);
    assert.match(r.stderr, /10\.20\.0\.1\/24/);
    assert.match(r.stderr, /10\.20\.0\.0\/24/, 'the suggestion names the network address');
    assert.deepEqual(await profileJson(), before);
  });

  it('--dry-run shows the result and changes nothing', async () => {
    const before = await profileJson();
    const r = await cli(['ranges', 'add', '203.0.113.0/24', '--dry-run', ...auth]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dry run: nothing was changed/);
    assert.match(r.stdout, /4 authorized ranges/);
    assert.deepEqual(await profileJson(), before);
  });

  it('lockout: removing your own address is refused (ERR_LOCKOUT, hint --force), then applied with --force', async () => {
    const before = await profileJson();
    const refused = await cli(['ranges', 'remove', '127.0.0.1/32', ...auth]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /ERR_LOCKOUT/);
    assert.match(refused.stderr, /--force/);
    assert.deepEqual(await profileJson(), before);

    const forced = await cli(['ranges', 'remove', '127.0.0.1/32', '--force', ...auth]);
    assert.equal(forced.code, 0, forced.stderr);
    const who = await cli(['whoami', ...auth]);
    assert.equal(who.code, 1, 'whoami exits 1 when the caller is refused');
    assert.match(who.stdout, /allowed +no/);
    assert.match(who.stdout, /reason +not-authorized/);

    const back = await cli(['ranges', 'add', '127.0.0.1/32', ...auth]);
    assert.equal(back.code, 0, back.stderr);
  });

  it('a stale --if-match is refused (412) and changes nothing; the current one works', async () => {
    const stale = (await profileJson()).etag;
    assert.equal((await cli(['ranges', 'add', '192.0.2.0/24', ...auth])).code, 0);
    const current = await profileJson();
    assert.notEqual(current.etag, stale);
    const r = await cli(['ranges', 'remove', '192.0.2.0/24', '--if-match', stale, ...auth]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ERR_PRECONDITION/);
    assert.match(r.stderr, /ranges show/);
    assert.deepEqual(await profileJson(), current);
    const ok = await cli(['ranges', 'remove', '192.0.2.0/24', '--if-match', current.etag, ...auth]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('set replaces the authorized ranges from a file, keeping the egress ranges', async () => {
    const file = join(files['dir'] ?? '', 'allow.txt');
    writeFileSync(file, '# office and CI\n127.0.0.1/32\n172.16.0.0/12   # office\n198.51.100.0/24,203.0.113.0/24\n');
    const r = await cli(['ranges', 'set', file, ...auth]);
    assert.equal(r.code, 0, r.stderr);
    const p = await profileJson();
    assert.deepEqual(p.authorizedIpRanges, ['127.0.0.1/32', '172.16.0.0/12', '198.51.100.0/24', '203.0.113.0/24']);
    assert.deepEqual(p.egressIpRanges, ['20.50.1.7/32']);

    const inline = await cli(['ranges', 'set', '127.0.0.1/32', '10.0.0.0/8', ...auth]);
    assert.equal(inline.code, 0, inline.stderr);
    assert.deepEqual((await profileJson()).authorizedIpRanges, ['127.0.0.1/32', '10.0.0.0/8']);

    const empty = await cli(['ranges', 'set', ...auth]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /ranges disable/);
  });

  it('--egress edits the egress ranges', async () => {
    const r = await cli(['ranges', 'add', '--egress', '20.50.1.8/32', ...auth]);
    assert.equal(r.code, 0, r.stderr);
    let p = await profileJson();
    assert.deepEqual(p.egressIpRanges, ['20.50.1.7/32', '20.50.1.8/32']);
    const explain = await cli(['explain', '20.50.1.8', '--output', 'json', ...auth]);
    assert.equal(explain.code, 0, explain.stderr);
    assert.deepEqual(JSON.parse(explain.stdout), { address: '20.50.1.8', allowed: true, reason: 'egress', matched: '20.50.1.8/32' });
    const rm = await cli(['ranges', 'remove', '--egress', '20.50.1.8/32', ...auth]);
    assert.equal(rm.code, 0, rm.stderr);
    p = await profileJson();
    assert.deepEqual(p.egressIpRanges, ['20.50.1.7/32']);
    const missing = await cli(['ranges', 'remove', '--egress', '20.50.1.9/32', ...auth]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /ERR_ENTRY_NOT_FOUND/, 'the same verdict as removing an authorized entry');
  });

  it('disable empties the authorized ranges: everyone may connect', async () => {
    const r = await cli(['ranges', 'disable', ...auth]);
    assert.equal(r.code, 0, r.stderr);
    const show = await cli(['ranges', 'show', ...auth]);
    assert.match(show.stdout, /mode: +disabled/);
    assert.match(show.stdout, /AUTHORIZED RANGES \(0\)/);
    const explain = await cli(['explain', '203.0.113.50', ...auth]);
    assert.equal(explain.code, 0);
    assert.match(explain.stdout, /reason +disabled/);
    assert.equal((await cli(['ranges', 'set', '127.0.0.1/32', '10.0.0.0/8', ...auth])).code, 0);
  });
});

describe('ipgate explain / whoami (server mode)', () => {
  it('explain names the matching entry, or the reason for a refusal', async () => {
    const allowed = await cli(['explain', '10.1.2.3', ...auth]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /address +10\.1\.2\.3\nallowed +yes\nreason +authorized\nmatched +10\.0\.0\.0\/8/);
    const refused = await cli(['explain', '203.0.113.9', '--output', 'json', ...auth]);
    assert.equal(refused.code, 1);
    assert.deepEqual(JSON.parse(refused.stdout), { address: '203.0.113.9', allowed: false, reason: 'not-authorized', matched: null });
    const bad = await cli(['explain', '010.1.2.3', ...auth]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /010\.1\.2\.3/);
  });

  it('whoami shows the caller as the gateway sees it', async () => {
    const r = await cli(['whoami', '--output', 'json', ...auth]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      address: '127.0.0.1', allowed: true, reason: 'authorized', matched: '127.0.0.1/32',
      seenBy: { listener: 'admin', peer: '127.0.0.1', proxyProtocol: false }, actor: 'default', scope: 'write', warnings: [],
    });
  });

  it('IPGATE_SERVER and IPGATE_TOKEN_FILE stand in for the flags', async () => {
    const r = await cli(['whoami'], { IPGATE_SERVER: adminUrl, IPGATE_TOKEN_FILE: files['admin.token'] ?? '' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /address +127\.0\.0\.1/);
  });
});

describe('client errors', () => {
  it('a wrong token is refused with ERR_UNAUTHORIZED and a hint', async () => {
    const r = await cli(['ranges', 'show', '--server', adminUrl, '--token-file', files['wrong.token'] ?? '']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ERR_UNAUTHORIZED/);
    assert.match(r.stderr, /token-file/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('an unreachable server is ERR_SERVER_UNREACHABLE naming the URL', async () => {
    const port = await freePort();
    const r = await cli(['ranges', 'show', '--server', `http://127.0.0.1:${port}`, '--token-file', files['admin.token'] ?? '']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ERR_SERVER_UNREACHABLE/);
    assert.ok(r.stderr.includes(`http://127.0.0.1:${port}`), r.stderr);
  });

  it('missing --server, missing token file and an unknown --output are usage errors', async () => {
    const noServer = await cli(['whoami', '--token-file', files['admin.token'] ?? ''], { IPGATE_SERVER: '' });
    assert.equal(noServer.code, 2);
    assert.match(noServer.stderr, /--server/);
    const noFile = await cli(['whoami', '--server', adminUrl, '--token-file', join(files['dir'] ?? '', 'nope.token')]);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /ERR_TOKEN_FILE/);
    const badOutput = await cli(['ranges', 'show', ...auth, '--output', 'xml']);
    assert.equal(badOutput.code, 2);
    assert.match(badOutput.stderr, /ERR_USAGE/);
    assert.match(badOutput.stderr, /unknown output format "xml"; expected table, json, yaml/);
  });
});
