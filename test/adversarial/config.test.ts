/**
 * Config files written to mislead: a profile section that leaves out its list (read as "allow everyone"
 * before), values of the wrong type reported as missing keys, YAML aliases that crashed the loader, and
 * start-up lines announcing "enforced" for a profile that admits everyone.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { adminRequest, curlFrom } from '../helpers/clients.js';
import { runIpgate } from '../helpers/ipgate.js';
import { gatewayFixture } from '../helpers/setup.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const HEAD = `upstream: 127.0.0.1:8443
listeners:
  - name: public
    address: 127.0.0.1:6443
`;

function problems(text: string): ConfigError['problems'] {
  try {
    parseConfigText(text, 'ipgate.yaml', '/etc/ipgate');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail(`expected a config error for:\n${text}`);
}

function problemAt(text: string, path: string): ConfigError['problems'][number] {
  const all = problems(text);
  const found = all.find((p) => p.path === path);
  assert.ok(found !== undefined, `no problem at ${path}: ${JSON.stringify(all)}`);
  return found;
}

test('a profile section without authorizedIpRanges is a missing key, not "disabled"', () => {
  const p = problemAt(`${HEAD}profile:\n  egressIpRanges: [20.50.1.7/32]\n`, 'profile.authorizedIpRanges');
  assert.equal(p.code, 'ERR_CONFIG_MISSING_KEY');
  assert.match(p.message, /authorizedIpRanges: \[\]/, 'says how to disable on purpose');
  assert.equal(problemAt(`${HEAD}profile: {}\n`, 'profile.authorizedIpRanges').code, 'ERR_CONFIG_MISSING_KEY');
});

test('authorizedIpRanges that is empty (null) or not a list is a wrong type', () => {
  const empty = problemAt(`${HEAD}profile:\n  authorizedIpRanges:\n`, 'profile.authorizedIpRanges');
  assert.equal(empty.code, 'ERR_CONFIG_TYPE');
  assert.match(empty.message, /expected a list, got an empty value \(null\)/);
  const text = problemAt(`${HEAD}profile:\n  authorizedIpRanges: 10.0.0.0/8\n`, 'profile.authorizedIpRanges');
  assert.equal(text.code, 'ERR_CONFIG_TYPE');
  assert.match(text.message, /expected a list, got the string "10\.0\.0\.0\/8"/);
  assert.equal(problemAt(`${HEAD}profile:\n  authorizedIpRanges: {}\n`, 'profile.authorizedIpRanges').code, 'ERR_CONFIG_TYPE');
});

test('authorizedIpRanges: [] stays an explicit "disabled"', () => {
  const config = parseConfigText(`${HEAD}profile:\n  authorizedIpRanges: []\n`, 'ipgate.yaml', '/etc/ipgate');
  assert.deepEqual(config.profile, { authorizedIpRanges: [], egressIpRanges: [] });
});

test('values of the wrong type are ERR_CONFIG_TYPE naming the value, not "required key is missing"', () => {
  const text = `upstream: 127.0.0.1:8443
listeners:
  - name: public
    address: 127.0.0.1:6443
    enforce: no
profile:
  authorizedIpRanges: [127.0.0.2/32]
revokeExisting: yes
drainTimeoutMs: '10'
`;
  const all = problems(text);
  const at = (path: string): ConfigError['problems'][number] | undefined => all.find((p) => p.path === path);
  assert.deepEqual(
    [at('listeners[0].enforce'), at('revokeExisting'), at('drainTimeoutMs')].map((p) => [p?.code, p?.message, p?.suggestion]),
    [
      ['ERR_CONFIG_TYPE', 'wrong type: expected boolean, got the string "no"', 'false'],
      ['ERR_CONFIG_TYPE', 'wrong type: expected boolean, got the string "yes"', 'true'],
      ['ERR_CONFIG_TYPE', 'wrong type: expected number, got the string "10"', '10'],
    ],
  );
  assert.ok(!all.some((p) => p.code === 'ERR_CONFIG_MISSING_KEY'), JSON.stringify(all));
});

test('a key that is really missing is still ERR_CONFIG_MISSING_KEY', () => {
  const p = problemAt(`listeners:\n  - name: public\nprofile:\n  authorizedIpRanges: []\n`, 'upstream');
  assert.deepEqual([p.code, p.message], ['ERR_CONFIG_MISSING_KEY', 'required key is missing']);
  const address = problemAt(`listeners:\n  - name: public\nprofile:\n  authorizedIpRanges: []\n`, 'listeners[0].address');
  assert.equal(address.code, 'ERR_CONFIG_MISSING_KEY');
});

test('an unresolved YAML alias is a config syntax error naming its line, with no stack trace', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  const file = join(dir, 'ipgate.yaml');
  await writeFile(file, `${HEAD}profile:\n  authorizedIpRanges: [*office]\n`);
  const run = await runIpgate(['serve', '--config', file], dir);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /ERR_CONFIG_YAML/);
  assert.match(run.stderr, /line 6\b/);
  assert.match(run.stderr, /\*office/);
  assert.doesNotMatch(run.stderr, /ERR_INTERNAL|\n\s+at /);
  assert.equal(problems(`${HEAD}profile:\n  authorizedIpRanges: [*office]\n`)[0]?.code, 'ERR_CONFIG_YAML');
});

test('an alias expansion bomb is a config syntax error, not a crash', () => {
  const bomb = `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`;
  assert.equal(problems(bomb)[0]?.code, 'ERR_CONFIG_YAML');
});

test('an unresolved alias in a topology is ERR_TOPOLOGY_YAML naming its line, with no stack trace', async (t) => {
  const { dir, remove } = await tempDir();
  t.after(remove);
  const file = join(dir, 'topology.yaml');
  await writeFile(file, 'cluster:\n  name: c\n  apiServer: { publicEndpoint: true }\nclients:\n  - name: office\n    via: *nowhere\n');
  const run = await runIpgate(['plan', file], dir);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /ERR_TOPOLOGY_YAML/);
  assert.match(run.stderr, /line 6\b/);
  assert.doesNotMatch(run.stderr, /ERR_INTERNAL|\n\s+at /);
});

test('start-up lines never say "enforced" for a disabled profile', async (t) => {
  const fx = await gatewayFixture(() => ({
    listeners: [
      { name: 'public', address: '127.0.0.1:0' },
      { name: 'internal', address: '127.0.0.1:0', enforce: false },
    ],
    profile: { authorizedIpRanges: [] },
  }));
  t.after(() => fx.close());
  const out = fx.ipgate.stdout();
  assert.match(out, /^ipgate: listener public on 127\.0\.0\.1:\d+ \(not restricted: the profile is disabled, every source is allowed\) -> upstream /m);
  assert.match(out, /^ipgate: listener internal on 127\.0\.0\.1:\d+ \(not enforced\) -> upstream /m);
  assert.doesNotMatch(out, /\(enforced\)/);
  assert.match(out, /^ipgate: ready \(.*DISABLED, every source is allowed/m);
  assert.ok(fx.ipgate.logs().some((l) => l['event'] === 'profile-disabled' && l['level'] === 'warn'));
  // What the lines say is what happens: any source gets through.
  assert.equal((await curlFrom('127.0.0.9', fx.port(), { cacert: fx.upstream.cert })).code, 0);
});

test('start-up lines keep "(enforced)" for a profile that restricts', async (t) => {
  const fx = await gatewayFixture(() => ({
    listeners: [{ name: 'public', address: '127.0.0.1:0' }],
    profile: { authorizedIpRanges: ['127.0.0.2/32'] },
  }));
  t.after(() => fx.close());
  const out = fx.ipgate.stdout();
  assert.match(out, /^ipgate: listener public on 127\.0\.0\.1:\d+ \(enforced\) -> upstream 127\.0\.0\.1:\d+$/m);
  assert.match(out, /^ipgate: ready \(profile generation 1: 1 authorized, 0 egress; store /m);
  assert.notEqual((await curlFrom('127.0.0.9', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  assert.ok(!fx.ipgate.logs().some((l) => l['event'] === 'profile-disabled'));
  // Disabling it later on purpose is logged as a warning too.
  const put = await adminRequest(fx.adminUrl, 'PUT', '/v1/profile?force=true', { token: fx.token, body: { authorizedIpRanges: [] } });
  assert.equal(put.status, 200, put.text);
  await waitFor(() => fx.ipgate.logs().find((l) => l['event'] === 'profile-disabled' && l['generation'] === 2), 3000, 'profile-disabled warning');
});
