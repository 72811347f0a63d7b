/**
 * The npm package: `npm pack` in a clean clone of the repository builds the product (prepack) and packs it
 * without tests; `npm install -g` of the tarball into a temporary prefix gives a working `ipgate`
 * (`--help`, `version`, `serve --check` of a config).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from './helpers/ipgate.js';
import { tempDir } from './helpers/tmp.js';

let tmp: { dir: string; remove: () => Promise<void> };

before(async () => {
  tmp = await tempDir('ipgate-pack-');
});
after(async () => tmp.remove());

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

test('npm pack from a clean clone makes a package that installs with npm install -g and runs', { timeout: 900_000 }, async (t) => {
  const clone = join(tmp.dir, 'clone');
  const started = Date.now();
  const cloned = await run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], tmp.dir);
  assert.equal(cloned.code, 0, cloned.stderr);
  // Packages already in npm's cache are used without asking the registry again (a cold cache still fetches them).
  const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_prefer_offline: 'true' };
  const ci = await run('npm', ['ci', '--loglevel=error'], clone, npmEnv);
  assert.equal(ci.code, 0, ci.stderr);
  const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp.dir], clone, npmEnv);
  assert.equal(packed.code, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(info !== undefined);
  const files = info.files.map((f) => f.path);
  for (const f of ['bin/ipgate.js', 'dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/ui/index.html', 'dist/ui/app.js', 'package.json', 'deploy/systemd/ipgate.service']) {
    assert.ok(files.includes(f), `the package holds ${f}`);
  }
  assert.ok(!files.some((f) => f.startsWith('dist/test/') || f.startsWith('test/') || f.startsWith('src/')), 'no tests and no TypeScript sources in the package');
  assert.ok(!files.some((f) => f.startsWith('dist/scripts/') || f.endsWith('.map')), 'no build scripts and no source maps in the package');

  const prefix = join(tmp.dir, 'prefix');
  const installed = await run('npm', ['install', '--global', '--prefix', prefix, '--loglevel=error', join(tmp.dir, info.filename)], tmp.dir, npmEnv);
  assert.equal(installed.code, 0, installed.stderr);
  const ipgate = join(prefix, 'bin', 'ipgate');
  assert.ok((await readdir(join(prefix, 'bin'))).includes('ipgate'));
  t.diagnostic(`clone, npm ci, pack and install: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const help = await run(ipgate, ['--help'], tmp.dir);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: ipgate <command>/);
  const version = await run(ipgate, ['version'], tmp.dir);
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.ok(version.stdout.startsWith(`ipgate ${pkg.version} `), version.stdout);

  const config = join(tmp.dir, 'ipgate.yaml');
  await writeFile(join(tmp.dir, 'admin.token'), 'a-token-of-more-than-16-characters\n', { mode: 0o600 });
  await writeFile(config, 'upstream: 127.0.0.1:6444\nlisteners:\n  - { name: public, address: 127.0.0.1:6443 }\nadmin: { address: 127.0.0.1:9090, tokenFile: ./admin.token }\nprofile:\n  authorizedIpRanges: [203.0.113.0/24]\n');
  const checked = await run(ipgate, ['serve', '--check', '--config', config], tmp.dir);
  assert.equal(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, /^ipgate: config .* is valid/);
  await writeFile(config, 'upstream: 127.0.0.1:6444\nlisteners: []\n');
  const refused = await run(ipgate, ['serve', '--check', '--config', config], tmp.dir);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /\(ERR_CONFIG_/);
});
