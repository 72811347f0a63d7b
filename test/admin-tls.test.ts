/**
 * The admin API over HTTPS (`admin.tls`) with real clients: curl with --cacert, `openssl s_client`, the CLI
 * with --cacert/--cert/--key; client certificates required with `clientCaFile`, their subject the caller's
 * name (whoami, the log of a change, the change history); the certificate and key replaced by SIGHUP without
 * a restart (a bad file keeps the ones in force).
 */
import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminServerCert, curl, hangUp, makeAdminCerts, portOf, sClient, servedSubject, type AdminCerts } from './helpers/admin-tls.js';
import { runIpgate } from './helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { waitFor } from './helpers/wait.js';

const LISTENERS = { listeners: [{ name: 'public', address: '127.0.0.1:0' }], profile: { authorizedIpRanges: ['127.0.0.2/32', '127.0.0.1/32'] } };
const NO_CONTEXTS = { IPGATE_CONFIG_HOME: '/nonexistent/ipgate-config', IPGATE_SERVER: '', IPGATE_TOKEN_FILE: '', IPGATE_CONTEXT: '' };

describe('HTTPS admin API (server certificate only)', () => {
  let fx: GatewayFixture;
  let certs: AdminCerts;
  const auth = (): string[] => ['-H', `Authorization: Bearer ${fx.token}`];

  before(async () => {
    fx = await gatewayFixture(() => ({
      ...LISTENERS,
      admin: { address: '127.0.0.1:0', tokenFile: 'admin.token', tls: { certFile: 'admin.crt', keyFile: 'admin.key' } },
    }), async (dir) => {
      certs = await makeAdminCerts(dir);
      await copyFile(certs.server.cert, join(dir, 'admin.crt'));
      await copyFile(certs.server.key, join(dir, 'admin.key'));
    });
  });
  after(() => fx.close());

  test('the start-up line says https; curl verifies the certificate with --cacert and refuses it without', async () => {
    assert.match(fx.adminUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ok = await curl(['--cacert', certs.ca.cert, ...auth(), `${fx.adminUrl}/v1/profile`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { authorizedIpRanges: ['127.0.0.2/32', '127.0.0.1/32'], egressIpRanges: [] });
    const untrusted = await curl([...auth(), `${fx.adminUrl}/v1/profile`]);
    assert.equal(untrusted.code, 60, `curl refuses an unknown issuer: ${untrusted.stderr}`);
    const wrongCa = await curl(['--cacert', certs.otherCa.cert, `${fx.adminUrl}/healthz`]);
    assert.equal(wrongCa.code, 60, wrongCa.stderr);
    const plain = await curl([`${fx.adminUrl.replace('https:', 'http:')}/healthz`]);
    assert.notEqual(plain.code, 0, 'plain HTTP is not answered on the HTTPS port');
    assert.equal((await curl(['--cacert', certs.ca.cert, `${fx.adminUrl}/v1/profile`])).stdout.includes('ERR_UNAUTHORIZED'), true, 'TLS is no credential: the token is still needed');
  });

  test('openssl s_client verifies the chain against the CA', async () => {
    const good = await sClient(portOf(fx.adminUrl), ['-CAfile', certs.ca.cert, '-verify_return_error']);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /Verify return code: 0 \(ok\)/);
    assert.equal(servedSubject(good.stdout), 'CN = admin-server');
    const bad = await sClient(portOf(fx.adminUrl), ['-CAfile', certs.otherCa.cert, '-verify_return_error']);
    assert.notEqual(bad.code, 0, 'a chain from another CA does not verify');
  });

  test('the CLI: --cacert verifies; without it the error is ERR_SERVER_TLS with the fix; --cacert on http:// is refused', async () => {
    const ok = await runIpgate(['whoami', '--server', fx.adminUrl, '--token-file', join(fx.dir, 'admin.token'), '--cacert', certs.ca.cert, '-o', 'json'], fx.dir, NO_CONTEXTS);
    assert.equal(ok.code, 0, ok.stderr);
    const who = JSON.parse(ok.stdout) as { address: string; actor: string; scope: string };
    assert.deepEqual([who.address, who.actor, who.scope], ['127.0.0.1', 'default', 'write']);
    const noCa = await runIpgate(['ranges', 'show', '--server', fx.adminUrl, '--token-file', join(fx.dir, 'admin.token')], fx.dir, NO_CONTEXTS);
    assert.equal(noCa.code, 2);
    assert.match(noCa.stderr, /ERR_SERVER_TLS/);
    assert.match(noCa.stderr, /--cacert/);
    const plain = await runIpgate(['whoami', '--server', fx.adminUrl.replace('https:', 'http:'), '--token-file', join(fx.dir, 'admin.token'), '--cacert', certs.ca.cert], fx.dir, NO_CONTEXTS);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /https:\/\/ admin API.*ERR_USAGE/);
  });

  test('SIGHUP puts a new certificate and key in force for new connections; a bad key keeps the ones in force', async () => {
    const port = portOf(fx.adminUrl);
    const next = await adminServerCert(fx.dir, 'admin-rotated', certs.ca);
    // Written beside and renamed over, as a Secret volume or cert-manager does.
    await copyFile(next.cert, join(fx.dir, 'admin.crt'));
    await copyFile(next.key, join(fx.dir, 'admin.key'));
    assert.equal(servedSubject((await sClient(port, ['-CAfile', certs.ca.cert])).stdout), 'CN = admin-server', 'not before SIGHUP');
    await hangUp(fx.ipgate);
    await waitFor(() => fx.ipgate.logs().some((l) => l['event'] === 'admin-tls-reloaded'), 3000, 'admin-tls-reloaded');
    const rotated = await sClient(port, ['-CAfile', certs.ca.cert, '-verify_return_error']);
    assert.equal(servedSubject(rotated.stdout), 'CN = admin-rotated', rotated.stdout);
    assert.equal((await curl(['--cacert', certs.ca.cert, `${fx.adminUrl}/healthz`])).code, 0);

    await writeFile(join(fx.dir, 'admin.key'), 'not a key\n');
    await hangUp(fx.ipgate);
    const line = await waitFor(() => fx.ipgate.logs().find((l) => l['event'] === 'admin-tls-rejected'), 3000, 'admin-tls-rejected');
    assert.equal(line['code'], 'ERR_ADMIN_TLS');
    assert.equal(line['level'], 'error');
    assert.equal(servedSubject((await sClient(port, ['-CAfile', certs.ca.cert])).stdout), 'CN = admin-rotated', 'the set in force stays');
    const still = await curl(['--cacert', certs.ca.cert, '-H', `Authorization: Bearer ${fx.token}`, `${fx.adminUrl}/v1/profile`]);
    assert.equal(still.code, 0, still.stderr);
    assert.equal(fx.ipgate.child.exitCode, null);
  });
});

describe('HTTPS admin API with client certificates (admin.tls.clientCaFile)', () => {
  let fx: GatewayFixture;
  let certs: AdminCerts;
  const as = (who: 'alice' | 'stranger'): string[] => ['--cacert', certs.ca.cert, '--cert', certs[who].cert, '--key', certs[who].key];

  before(async () => {
    fx = await gatewayFixture(() => ({
      ...LISTENERS,
      admin: { address: '127.0.0.1:0', tokenFile: 'admin.token', tls: { certFile: 'admin.crt', keyFile: 'admin.key', clientCaFile: 'clients.crt' } },
    }), async (dir) => {
      certs = await makeAdminCerts(dir);
      await copyFile(certs.server.cert, join(dir, 'admin.crt'));
      await copyFile(certs.server.key, join(dir, 'admin.key'));
      await copyFile(certs.ca.cert, join(dir, 'clients.crt'));
    });
  });
  after(() => fx.close());

  test('a client without a certificate, or with one of another CA, is refused in the handshake', async () => {
    const none = await curl(['--cacert', certs.ca.cert, `${fx.adminUrl}/healthz`]);
    assert.notEqual(none.code, 0, 'no client certificate: no answer');
    assert.match(none.stderr, /certificate required|alert|handshake/i);
    const stranger = await curl([...as('stranger'), `${fx.adminUrl}/healthz`]);
    assert.notEqual(stranger.code, 0, 'a certificate of another CA: no answer');
    assert.equal((await curl([...as('alice'), `${fx.adminUrl}/healthz`])).code, 0);
  });

  test("the certificate's subject is the actor: whoami says so, and a change is logged with it", async () => {
    const who = await curl([...as('alice'), '-H', `Authorization: Bearer ${fx.token}`, `${fx.adminUrl}/v1/whoami`]);
    assert.equal(who.code, 0, who.stderr);
    const body = JSON.parse(who.stdout) as { actor: string; scope: string };
    assert.deepEqual([body.actor, body.scope], ['CN=alice,O=ops', 'write']);
    const patch = await curl([...as('alice'), '-H', `Authorization: Bearer ${fx.token}`, '-X', 'PATCH', '-H', 'content-type: application/json', '--data', '{"add":["127.0.0.3/32"]}', `${fx.adminUrl}/v1/profile`]);
    assert.equal(patch.code, 0, patch.stderr);
    const line = await waitFor(() => fx.ipgate.logs().find((l) => l['event'] === 'admin-request' && l['method'] === 'PATCH'), 3000, 'admin-request line');
    assert.deepEqual([line['actor'], line['status'], line['address']], ['CN=alice,O=ops', 200, '127.0.0.1']);
    // The change history records the certificate's subject as the actor.
    const history = await curl([...as('alice'), '-H', `Authorization: Bearer ${fx.token}`, `${fx.adminUrl}/v1/history?limit=1`]);
    assert.equal(history.code, 0, history.stderr);
    const [latest] = (JSON.parse(history.stdout) as { history: { actor: string; address: string; path: string; added: unknown[] }[] }).history;
    assert.deepEqual([latest?.actor, latest?.address, latest?.path], ['CN=alice,O=ops', '127.0.0.1', 'admin-api']);
    assert.equal(JSON.stringify(latest?.added).includes('127.0.0.3/32'), true);
  });

  test('the CLI presents --cert/--key; without them the error names the fix', async () => {
    const token = join(fx.dir, 'admin.token');
    const ok = await runIpgate(['whoami', '--server', fx.adminUrl, '--token-file', token, '--cacert', certs.ca.cert, '--cert', certs.alice.cert, '--key', certs.alice.key], fx.dir, NO_CONTEXTS);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^actor +CN=alice,O=ops \(scope write\)$/m);
    const without = await runIpgate(['whoami', '--server', fx.adminUrl, '--token-file', token, '--cacert', certs.ca.cert], fx.dir, NO_CONTEXTS);
    assert.equal(without.code, 2);
    assert.match(without.stderr, /ERR_SERVER_TLS/);
    assert.match(without.stderr, /--cert and --key/);
    const half = await runIpgate(['whoami', '--server', fx.adminUrl, '--token-file', token, '--cacert', certs.ca.cert, '--cert', certs.alice.cert], fx.dir, NO_CONTEXTS);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /needs its key.*ERR_USAGE/);
  });

  test('openssl s_client with the client certificate verifies both ways', async () => {
    const r = await sClient(portOf(fx.adminUrl), ['-CAfile', certs.ca.cert, '-cert', certs.alice.cert, '-key', certs.alice.key, '-verify_return_error']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Verify return code: 0 \(ok\)/);
  });
});

test('bad TLS files at start stop ipgate serve with ERR_ADMIN_TLS naming the file', async (t) => {
  const fx = await gatewayFixture(() => LISTENERS);
  t.after(() => fx.close());
  const certs = await makeAdminCerts(fx.dir);
  const cases: [string, Record<string, string>, RegExp][] = [
    ['missing', { certFile: join(fx.dir, 'nope.crt'), keyFile: certs.server.key }, /nope\.crt.*no such file/],
    ['mismatch', { certFile: certs.server.cert, keyFile: certs.alice.key }, /cannot be used together/],
  ];
  for (const [name, tls, why] of cases) {
    const config = join(fx.dir, `${name}.yaml`);
    await writeFile(config, JSON.stringify({ upstream: '127.0.0.1:9', ...LISTENERS, admin: { address: '127.0.0.1:0', tokenFile: 'admin.token', tls } }));
    const r = await runIpgate(['serve', '--config', config], fx.dir);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /ERR_ADMIN_TLS/, name);
    assert.match(r.stderr, why, name);
  }
});
