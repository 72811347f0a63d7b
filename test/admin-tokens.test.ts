/**
 * Named admin tokens with scopes (`admin.tokensFile`) against a real `ipgate serve`: a read token may read
 * and gets 403 ERR_FORBIDDEN on a change (curl and the CLI), a write token may change; the tokens file is
 * re-read on SIGHUP (a new token works at once, a removed one is refused at once, no restart, an open
 * connection through the gateway survives); a file that turns bad at SIGHUP is logged with its code and the
 * tokens in force stay. The file's own rules are checked offline.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readTokensFile } from '../src/admin/tokens-file.js';
import { adminRequest, metricValue, opensslHold } from './helpers/clients.js';
import { curl, hangUp, sha256Hex } from './helpers/admin-tls.js';
import { runIpgate } from './helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

const CI = 'ci-token-7f3a9c1e5b2d4f60a8e1';
const RO = 'ro-token-2b8e6d4f1a3c5e7092bd';
const NEW = 'new-token-9c1e7a5b3d2f4e6081ac';
const NO_CONTEXTS = { IPGATE_CONFIG_HOME: '/nonexistent/ipgate-config', IPGATE_SERVER: '', IPGATE_TOKEN_FILE: '', IPGATE_CONTEXT: '' };

function tokensYaml(entries: readonly string[]): string {
  return `${entries.join('\n')}\n`;
}

const CI_ENTRY = `- name: ci-pipeline\n  scope: write\n  sha256: ${sha256Hex(CI)}`;
const RO_ENTRY = '- name: dashboard-readonly\n  scope: read\n  tokenFile: ./tokens/ro.token';

describe('named tokens with scopes', () => {
  let fx: GatewayFixture;
  const status = async (token: string, method = 'GET', body?: unknown): Promise<number> =>
    (await adminRequest(fx.adminUrl, method, '/v1/profile', { token, ...(body === undefined ? {} : { body }) })).status;

  before(async () => {
    fx = await gatewayFixture(() => ({
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      profile: { authorizedIpRanges: ['127.0.0.2/32', '127.0.0.1/32'] },
      admin: { address: '127.0.0.1:0', tokensFile: 'tokens.yaml' },
    }), async (dir) => {
      await mkdir(join(dir, 'tokens'));
      await writeFile(join(dir, 'tokens/ro.token'), `${RO}\n`, { mode: 0o600 });
      await writeFile(join(dir, 'tokens.yaml'), tokensYaml([CI_ENTRY, RO_ENTRY]));
    });
  });
  after(() => fx.close());

  test('a read token reads and gets 403 ERR_FORBIDDEN on PATCH (curl); a write token changes; nothing changed by the refusal', async () => {
    const read = await curl(['-H', `Authorization: Bearer ${RO}`, `${fx.adminUrl}/v1/profile`]);
    assert.equal(read.code, 0, read.stderr);
    assert.deepEqual((JSON.parse(read.stdout) as { authorizedIpRanges: string[] }).authorizedIpRanges, ['127.0.0.2/32', '127.0.0.1/32']);
    const patch = await curl(['-H', `Authorization: Bearer ${RO}`, '-X', 'PATCH', '-H', 'content-type: application/json', '--data', '{"add":["127.0.0.3/32"]}', '-w', '\n%{http_code}', `${fx.adminUrl}/v1/profile`]);
    const cut = patch.stdout.lastIndexOf('\n');
    assert.equal(patch.stdout.slice(cut + 1), '403');
    assert.equal((JSON.parse(patch.stdout.slice(0, cut)) as { code: string }).code, 'ERR_FORBIDDEN');
    assert.equal(await status(RO, 'PUT', { authorizedIpRanges: [] }), 403, 'PUT too');
    assert.equal((await adminRequest(fx.adminUrl, 'POST', '/v1/sources/sync', { token: RO })).status, 403, 'a sources sync too');
    assert.equal(await status(CI, 'PATCH', { add: ['127.0.0.3/32'] }), 200);
    const who = (await adminRequest(fx.adminUrl, 'GET', '/v1/whoami', { token: RO })).json as { actor: string; scope: string };
    assert.deepEqual([who.actor, who.scope], ['dashboard-readonly', 'read']);
    const refused = fx.ipgate.logs().find((l) => l['event'] === 'admin-request' && l['status'] === 403);
    assert.equal(refused?.['actor'], 'dashboard-readonly');
    const accepted = fx.ipgate.logs().find((l) => l['event'] === 'admin-request' && l['status'] === 200);
    assert.equal(accepted?.['actor'], 'ci-pipeline');
  });

  test('the CLI with a read token: show works, add fails with ERR_FORBIDDEN and the hint', async () => {
    const file = join(fx.dir, 'tokens/ro.token');
    const show = await runIpgate(['ranges', 'show', '--server', fx.adminUrl, '--token-file', file], fx.dir, NO_CONTEXTS);
    assert.equal(show.code, 0, show.stderr);
    const add = await runIpgate(['ranges', 'add', '127.0.0.4', '--server', fx.adminUrl, '--token-file', file], fx.dir, NO_CONTEXTS);
    assert.equal(add.code, 2);
    assert.match(add.stderr, /scope read.*\(ERR_FORBIDDEN\)/);
    assert.match(add.stderr, /suggestion: .*scope write/);
  });

  test('SIGHUP: a new token works at once, a removed one is refused at once; an open gateway connection stays', async () => {
    const held = opensslHold('127.0.0.2', fx.port(), fx.upstream.cert);
    try {
      await waitFor(async () => metricValue((await adminRequest(fx.adminUrl, 'GET', '/metrics')).text, 'ipgate_active_connections', '{listener="public"}') === 1, 5000, 'held connection');
      await writeFile(join(fx.dir, 'tokens/new.token'), `${NEW}\n`, { mode: 0o600 });
      await writeFile(join(fx.dir, 'tokens.yaml'), tokensYaml([RO_ENTRY, '- name: ci-next\n  scope: write\n  tokenFile: tokens/new.token']));
      assert.equal(await status(NEW), 401, 'not before SIGHUP');
      assert.equal(await status(CI), 200, 'the old one still works before SIGHUP');
      await hangUp(fx.ipgate);
      assert.equal(await status(NEW, 'PATCH', { add: ['127.0.0.4/32'] }), 200, 'the new token works at once');
      assert.equal(await status(CI), 401, 'the removed token is refused at once');
      assert.equal(await status(RO), 200);
      const line = fx.ipgate.logs().find((l) => l['event'] === 'tokens-reloaded');
      assert.deepEqual(line?.['tokens'], ['dashboard-readonly (read)', 'ci-next (write)']);
      for (const secret of [CI, RO, NEW]) assert.ok(!fx.ipgate.stderr().includes(secret), 'tokens are never logged');
      // The connection opened before the SIGHUP still carries traffic both ways.
      assert.equal(held.child.exitCode, null);
      held.child.stdin?.write('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      await waitFor(() => held.stdout().includes('"gitVersion"'), 5000, 'answer on the held connection');
    } finally {
      held.child.kill('SIGKILL');
    }
  });

  test('a tokens file that turns bad at SIGHUP is logged with its code; the tokens in force stay (never open, never locked out)', async () => {
    const file = join(fx.dir, 'tokens.yaml');
    const rejected = (): Record<string, unknown>[] => fx.ipgate.logs().filter((l) => l['event'] === 'tokens-file-rejected');
    const cases: [string, string, RegExp][] = [
      ['not YAML', '- name: [unclosed\n', /YAML/],
      ['empty list', '[]\n', /no token/],
      ['a bad scope', '- { name: x, scope: admin, sha256: ' + sha256Hex('x') + ' }\n', /scope/],
      ['both kinds', `- { name: x, scope: read, sha256: ${sha256Hex('x')}, tokenFile: tokens/ro.token }\n`, /either sha256 or tokenFile/],
      ['upper-case digest', `- { name: x, scope: read, sha256: ${sha256Hex('x').toUpperCase()} }\n`, /lowercase/],
      ['duplicate name', `- { name: x, scope: read, sha256: ${sha256Hex('a')} }\n- { name: x, scope: write, sha256: ${sha256Hex('b')} }\n`, /also used/],
      ['missing token file', '- { name: x, scope: write, tokenFile: tokens/gone.token }\n', /gone\.token.*ERR_TOKEN_FILE/],
    ];
    for (const [name, text, why] of cases) {
      await writeFile(file, text);
      const before = rejected().length;
      await hangUp(fx.ipgate);
      const line = await waitFor(() => rejected()[before], 2000, `tokens-file-rejected (${name})`);
      assert.equal(line['code'], 'ERR_TOKENS_FILE', name);
      assert.equal(line['level'], 'error', name);
      assert.match(String(line['problem']), why, name);
      assert.equal(await status(NEW), 200, `${name}: the tokens in force still work`);
      assert.equal(await status(RO, 'PATCH', { add: ['127.0.0.5/32'] }), 403, `${name}: scopes still hold`);
      assert.equal(await status(''), 401, `${name}: never fail open`);
    }
  });
});

describe('the tokens file, offline', () => {
  test('sha256 and tokenFile entries give named, scoped tokens; relative token files are read from its directory', async (t) => {
    const { dir, remove } = await tempDir();
    t.after(remove);
    await mkdir(join(dir, 'tokens'));
    await writeFile(join(dir, 'tokens/ro.token'), `${RO}\n`);
    await chmod(join(dir, 'tokens/ro.token'), 0o644);
    await writeFile(join(dir, 'tokens.yaml'), tokensYaml([CI_ENTRY, RO_ENTRY]));
    const read = readTokensFile(join(dir, 'tokens.yaml'));
    assert.deepEqual(read.tokens.map((x) => [x.name, x.scope, x.digest.toString('hex')]), [
      ['ci-pipeline', 'write', sha256Hex(CI)],
      ['dashboard-readonly', 'read', sha256Hex(RO)],
    ]);
    assert.deepEqual(read.readableByOthers.map((o) => [o.name, o.mode]), [['dashboard-readonly', 0o644]]);
  });

  test('every problem is named at once; the same token under two names is refused', async (t) => {
    const { dir, remove } = await tempDir();
    t.after(remove);
    const file = join(dir, 'tokens.yaml');
    await writeFile(file, [
      `- { name: a, scope: write, sha256: ${sha256Hex(CI)} }`,
      `- { name: b, scope: read, sha256: ${sha256Hex(CI)} }`,
      '- { name: c, scope: read, sha256: abc }',
      '- { name: d, scope: read }',
      '- { name: e, scope: read, sha256: x, extra: 1 }',
    ].join('\n'));
    assert.throws(() => readTokensFile(file), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_TOKENS_FILE');
      assert.match(e.message, /unknown key\(s\) extra/);
      return true;
    });
    await writeFile(file, [
      `- { name: a, scope: write, sha256: ${sha256Hex(CI)} }`,
      `- { name: b, scope: read, sha256: ${sha256Hex(CI)} }`,
      '- { name: c, scope: read, sha256: abc }',
      '- { name: d, scope: read }',
    ].join('\n'));
    assert.throws(() => readTokensFile(file), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_TOKENS_FILE');
      assert.match(e.message, /\[1\] \(b\): the same token as "a"/);
      assert.match(e.message, /\[2\] \(c\)\.sha256: expected 64 lowercase hex digits/);
      assert.match(e.message, /\[3\] \(d\): give either sha256 or tokenFile/);
      assert.ok(e.message.includes(file), 'names the file');
      return true;
    });
  });

  test('admin.tokenFile and admin.tokensFile together, or neither, are config errors; a bad tokens file stops the start', async (t) => {
    const { dir, remove } = await tempDir();
    t.after(remove);
    await writeFile(join(dir, 'admin.token'), `${CI}\n`);
    await writeFile(join(dir, 'tokens.yaml'), '[]\n');
    const base = { upstream: '127.0.0.1:9', listeners: [{ name: 'public', address: '127.0.0.1:0' }], profile: { authorizedIpRanges: ['127.0.0.2/32'] } };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ address: '127.0.0.1:0', tokenFile: 'admin.token', tokensFile: 'tokens.yaml' }, /admin\.tokensFile: .*exclude each other.*ERR_CONFIG_VALUE/],
      [{ address: '127.0.0.1:0' }, /admin\.tokenFile: .*tokensFile.*ERR_CONFIG_MISSING_KEY/],
      [{ address: '127.0.0.1:0', tokensFile: 'tokens.yaml' }, /no token.*ERR_TOKENS_FILE/],
    ];
    for (const [admin, why] of cases) {
      const config = join(dir, 'ipgate.yaml');
      await writeFile(config, JSON.stringify({ ...base, admin }));
      const r = await runIpgate(['serve', '--config', config], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, why);
    }
  });
});
