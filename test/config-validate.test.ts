import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEndpoint } from '../src/config/address.js';
import { parseConfigText } from '../src/config/load.js';
import { ConfigError } from '../src/config/problems.js';
import { validateConfig, validateProfileConfig } from '../src/config/validate.js';
import { runIpgate } from './helpers/ipgate.js';
import { tempDir } from './helpers/tmp.js';

const GOOD = `
upstream: 10.0.0.4:443
listeners:
  - name: public
    address: 0.0.0.0:6443
    enforce: true
    proxyProtocol:
      trustedFrom: [10.1.0.0/24]
  - name: internal
    address: 10.0.0.10:6443
    enforce: false
admin:
  address: 127.0.0.1:9090
  tokenFile: ./admin.token
store:
  file: ./state/profile.json
profile:
  authorizedIpRanges: [73.140.245.0/24]
  egressIpRanges: [20.50.1.7/32]
`;

function problems(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.code, 'ERR_CONFIG_INVALID');
    return error.problems;
  }
  assert.fail('expected ConfigError');
}

test('the config of the documentation parses, with defaults and resolved paths', () => {
  const c = parseConfigText(GOOD, 'ipgate.yaml', '/etc/ipgate');
  assert.equal(c.upstream?.text, '10.0.0.4:443');
  assert.equal(c.listeners[0]?.proxyProtocol?.timeoutMs, 3000);
  assert.equal(c.listeners[1]?.enforce, false);
  assert.equal(c.admin?.tokenFile, '/etc/ipgate/admin.token');
  assert.deepEqual(c.store, { file: '/etc/ipgate/state/profile.json', format: 'json' });
  assert.equal(c.revokeExisting, true);
  assert.equal(c.auditLog, '-');
});

test('unknown keys are errors naming their path, with a did-you-mean', () => {
  const p = problems(() => parseConfigText(GOOD.replace('    address: 0.0.0.0:6443', '    adress: 0.0.0.0:6443').replace('store:', 'stor:'), 'x.yaml', '/'));
  const paths = p.map((x) => x.path);
  assert.ok(paths.includes('listeners[0].adress'), paths.join());
  assert.ok(paths.includes('listeners[0].address'), 'the missing key is reported too');
  assert.ok(paths.includes('stor'));
  assert.equal(p.find((x) => x.path === 'listeners[0].adress')?.suggestion, 'address');
  assert.equal(p.find((x) => x.path === 'stor')?.suggestion, 'store');
});

test('bad ranges and endpoints are reported with their path and fix, all at once', () => {
  const text = GOOD.replace('[73.140.245.0/24]', '[73.140.245.1/24]').replace('[10.1.0.0/24]', '[10.1.0.9/24]').replace('10.0.0.4:443', '10.0.0.4').replace('10.0.0.10:6443', '2001:db8::1:6443');
  const p = problems(() => parseConfigText(text, 'x.yaml', '/'));
  const by = new Map(p.map((x) => [x.path, x]));
  assert.equal(by.get('profile.authorizedIpRanges[0]')?.suggestion, '73.140.245.0/24');
  assert.equal(by.get('listeners[0].proxyProtocol.trustedFrom[0]')?.suggestion, '10.1.0.0/24');
  assert.ok(by.has('upstream'));
  assert.equal(by.get('listeners[1].address')?.suggestion, '[2001:db8::1]:6443');
});

test('endpoints: host:port, [v6]:port, names only for the upstream', () => {
  assert.deepEqual(parseEndpoint('[::]:6443', {}), { host: '::', port: 6443, text: '[::]:6443' });
  assert.equal(parseEndpoint('kubernetes.default.svc:443', { allowHostname: true }).host, 'kubernetes.default.svc');
  assert.throws(() => parseEndpoint('localhost:443'), /IP literal/);
  assert.throws(() => parseEndpoint('1.2.3.4:70000'), /out of range/);
  assert.throws(() => parseEndpoint('1.2.3.4:0'), /out of range/);
  assert.equal(parseEndpoint('1.2.3.4:0', { allowPortZero: true }).port, 0);
});

test('duplicate listener names, missing profile and store, YAML syntax errors', () => {
  const dup = GOOD.replace('name: internal', 'name: public');
  assert.ok(problems(() => parseConfigText(dup, 'x', '/')).some((p) => p.path === 'listeners[1].name'));
  assert.ok(problems(() => validateConfig({ upstream: '1.2.3.4:1', listeners: [{ name: 'a', address: '127.0.0.1:1' }] }, 'x', '/')).some((p) => p.path === 'profile'));
  assert.ok(problems(() => parseConfigText('upstream: [', 'x', '/')).some((p) => p.code === 'ERR_CONFIG_YAML'));
  assert.ok(problems(() => validateConfig({ upstream: '1.2.3.4:1', listeners: [] , profile: {} }, 'x', '/')).some((p) => p.path === 'listeners'));
});

test('a config read for its profile alone (export, sources) may leave out upstream and listeners, nothing else', () => {
  const doc = { profile: { authorizedIpRanges: ['10.0.0.0/8'] }, sources: [{ name: 'office', type: 'text', file: 'office.txt' }] };
  const config = validateProfileConfig(doc, 'x', '/etc/ipgate');
  assert.equal(config.upstream, undefined);
  assert.deepEqual(config.profile?.authorizedIpRanges, ['10.0.0.0/8']);
  assert.equal(config.sources?.[0]?.file, '/etc/ipgate/office.txt');
  const missing = problems(() => validateConfig(doc, 'x', '/'));
  assert.ok(missing.some((p) => p.path === 'upstream' && p.code === 'ERR_CONFIG_MISSING_KEY'));
  assert.ok(missing.some((p) => p.path === 'listeners' && p.code === 'ERR_CONFIG_MISSING_KEY'));
  const typo = problems(() => validateProfileConfig({ ...doc, upstraem: '1.2.3.4:1' }, 'x', '/'));
  assert.ok(typo.some((p) => p.path === 'upstraem' && p.suggestion === 'upstream'));
  assert.ok(problems(() => validateProfileConfig({ ...doc, listeners: [{ name: 'a', address: 'nowhere' }] }, 'x', '/')).some((p) => p.path.startsWith('listeners[0]')));
});

test('ipgate serve with a bad config exits 2 with one line naming every problem', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  const file = join(dir, 'ipgate.yaml');
  await writeFile(file, GOOD.replace('    address: 0.0.0.0:6443', '    adress: 0.0.0.0:6443').replace('[73.140.245.0/24]', '[10.0.0.1/24]'));
  const r = await runIpgate(['serve', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ERR_CONFIG_INVALID/);
  assert.match(r.stderr, /listeners\[0\]\.adress: unknown key "adress"; did you mean "address"\?/);
  assert.match(r.stderr, /profile\.authorizedIpRanges\[0\]: .*10\.0\.0\.0\/24/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const missing = await runIpgate(['serve', '--config', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml": no such file \(ERR_CONFIG_READ\)/);
  const usage = await runIpgate(['serve', '--listen', '127.0.0.1:0']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /ERR_USAGE/);
});
