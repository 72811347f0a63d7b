/**
 * The CLI's contexts file against two real gateways (one plain HTTP, one HTTPS): `ipgate context set|use|list`,
 * the current context used by every server command, `--context` and IPGATE_CONTEXT, and the precedence
 * flags > environment (IPGATE_SERVER, IPGATE_TOKEN_FILE) > context; errors name the file and the context.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeAdminCerts } from './helpers/admin-tls.js';
import { runIpgate } from './helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';
import { tempDir } from './helpers/tmp.js';

let plain: GatewayFixture;
let secure: GatewayFixture;
let home: { dir: string; remove: () => Promise<void> };
let caFile: string;

before(async () => {
  home = await tempDir('ipgate-contexts-');
  plain = await gatewayFixture(() => ({ listeners: [{ name: 'public', address: '127.0.0.1:0' }], profile: { authorizedIpRanges: ['127.0.0.11/32'] } }));
  secure = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    profile: { authorizedIpRanges: ['127.0.0.22/32'] },
    admin: { address: '127.0.0.1:0', tokenFile: 'admin.token', tls: { certFile: 'admin.crt', keyFile: 'admin.key' } },
  }), async (dir) => {
    const certs = await makeAdminCerts(dir);
    await copyFile(certs.server.cert, join(dir, 'admin.crt'));
    await copyFile(certs.server.key, join(dir, 'admin.key'));
    caFile = certs.ca.cert;
  });
});
after(async () => {
  await plain.close();
  await secure.close();
  await home.remove();
});

const file = (): string => join(home.dir, 'config.yaml');
const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  IPGATE_CONFIG_HOME: home.dir, IPGATE_SERVER: '', IPGATE_TOKEN_FILE: '', IPGATE_CONTEXT: '', ...extra,
});
const cli = (args: readonly string[], extra: Record<string, string> = {}): ReturnType<typeof runIpgate> => runIpgate(args, home.dir, env(extra));

/** Which gateway answered `ranges show`: its one authorized range tells them apart. */
async function shown(args: readonly string[] = [], extra: Record<string, string> = {}): Promise<string> {
  const r = await cli(['ranges', 'show', '-o', 'json', ...args], extra);
  assert.equal(r.code, 0, r.stderr);
  const range = (JSON.parse(r.stdout) as { authorizedIpRanges: string[] }).authorizedIpRanges[0];
  return range === '127.0.0.11/32' ? 'plain' : range === '127.0.0.22/32' ? 'secure' : `? ${range}`;
}

test('context set/list/use: the first context becomes current; paths are stored absolute; commands use the current one', async () => {
  const a = await cli(['context', 'set', 'plain', '--server', plain.adminUrl, '--token-file', join(plain.dir, 'admin.token')]);
  assert.equal(a.code, 0, a.stderr);
  assert.ok(a.stdout.includes(file()), 'names the file it wrote');
  const b = await cli(['context', 'set', 'secure', '--server', secure.adminUrl, '--token-file', join(secure.dir, 'admin.token'), '--cacert', caFile]);
  assert.equal(b.code, 0, b.stderr);
  const list = await cli(['context', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^\* +plain +http:\/\/127\.0\.0\.1:\d+ /m);
  assert.match(list.stdout, /^ +secure +https:\/\/127\.0\.0\.1:\d+ .*admin-ca\.crt$/m);
  const json = JSON.parse((await cli(['context', 'list', '-o', 'json'])).stdout) as { file: string; currentContext: string; contexts: { name: string; caFile?: string }[] };
  assert.equal(json.file, file());
  assert.equal(json.currentContext, 'plain');
  assert.equal(json.contexts.find((c) => c.name === 'secure')?.caFile, caFile);
  assert.equal(await shown(), 'plain', 'no flags: the current context');
  const use = await cli(['context', 'use', 'secure']);
  assert.equal(use.code, 0, use.stderr);
  assert.equal(await shown(), 'secure', 'HTTPS with the context CA');
  const who = await cli(['whoami', '-o', 'json']);
  assert.equal(who.code, 1, 'whoami of 127.0.0.1: refused here (exit 1), but answered');
  assert.equal((JSON.parse(who.stdout) as { actor: string }).actor, 'default');
});

test('precedence: flags > IPGATE_SERVER/IPGATE_TOKEN_FILE > --context > IPGATE_CONTEXT > the current context', async () => {
  await cli(['context', 'use', 'secure']);
  assert.equal(await shown(['--context', 'plain']), 'plain', '--context');
  assert.equal(await shown([], { IPGATE_CONTEXT: 'plain' }), 'plain', 'IPGATE_CONTEXT');
  assert.equal(await shown(['--context', 'secure'], { IPGATE_CONTEXT: 'plain' }), 'secure', '--context over IPGATE_CONTEXT');
  const plainToken = join(plain.dir, 'admin.token');
  assert.equal(await shown([], { IPGATE_SERVER: plain.adminUrl, IPGATE_TOKEN_FILE: plainToken }), 'plain', 'the environment over the context');
  assert.equal(await shown(['--server', plain.adminUrl, '--token-file', plainToken]), 'plain', 'flags over the context');
  assert.equal(await shown(['--server', plain.adminUrl, '--token-file', plainToken], { IPGATE_SERVER: secure.adminUrl }), 'plain', 'flags over the environment');
  // Only the server from the environment: the token still comes from the context (of the other gateway), so it is refused.
  const mixed = await cli(['ranges', 'show'], { IPGATE_SERVER: plain.adminUrl });
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /ERR_UNAUTHORIZED/);
});

test('errors name the file and the context; a failed set changes nothing; comments survive a set', async () => {
  const unknown = await cli(['ranges', 'show', '--context', 'nope']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /context "nope" \(--context\) is not in .*config\.yaml; it has: plain, secure \(ERR_CONTEXT\)/);
  assert.ok(unknown.stderr.includes(file()));
  const useUnknown = await cli(['context', 'use', 'nope']);
  assert.equal(useUnknown.code, 2);
  assert.match(useUnknown.stderr, /ERR_CONTEXT/);

  const before = await readFile(file(), 'utf8');
  const badSet = await cli(['context', 'set', 'third', '--server', plain.adminUrl, '--token-file', join(home.dir, 'missing.token')]);
  assert.equal(badSet.code, 2);
  assert.match(badSet.stderr, /missing\.token.*ERR_TOKEN_FILE/);
  assert.equal(await readFile(file(), 'utf8'), before, 'nothing written');

  // A context whose token file has gone: the message names the context and the file.
  await writeFile(join(home.dir, 'gone.token'), 'a-token-that-will-go\n');
  assert.equal((await cli(['context', 'set', 'gone', '--server', plain.adminUrl, '--token-file', join(home.dir, 'gone.token')])).code, 0);
  await writeFile(file(), (await readFile(file(), 'utf8')).replace(join(home.dir, 'gone.token'), join(home.dir, 'really-gone.token')));
  const gone = await cli(['whoami', '--context', 'gone']);
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /really-gone\.token.*tokenFile of context "gone" in .*config\.yaml.*\(ERR_TOKEN_FILE\)/);

  // Hand-written: a comment and a relative CA path (from the file's directory).
  await mkdir(join(home.dir, 'pki'), { recursive: true });
  await copyFile(caFile, join(home.dir, 'pki', 'ca.pem'));
  await writeFile(file(), [
    '# my gateways',
    'currentContext: secure',
    'contexts:',
    '  - name: secure   # production',
    `    server: ${secure.adminUrl}`,
    `    tokenFile: ${join(secure.dir, 'admin.token')}`,
    '    caFile: pki/ca.pem',
    '',
  ].join('\n'));
  assert.equal(await shown(), 'secure', 'a relative caFile is read from the contexts file directory');
  assert.equal((await cli(['context', 'set', 'plain', '--server', plain.adminUrl, '--token-file', join(plain.dir, 'admin.token')])).code, 0);
  const written = await readFile(file(), 'utf8');
  assert.match(written, /# my gateways/);
  assert.match(written, /# production/);
  assert.match(written, /currentContext: secure/, 'set without --use keeps the current context');

  await writeFile(file(), 'contexts:\n  - name: x\n    sever: http://127.0.0.1:1\n');
  const invalid = await cli(['whoami']);
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /Contexts file .*config\.yaml is not valid: contexts\[0\]: unknown key\(s\) sever \(ERR_CONTEXT_FILE\)/);
  await writeFile(file(), 'contexts: [\n');
  assert.match((await cli(['context', 'list'])).stderr, /ERR_CONTEXT_FILE/);
});
