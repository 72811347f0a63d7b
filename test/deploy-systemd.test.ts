/**
 * deploy/systemd/*.service are real units: `systemd-analyze verify` accepts them without a word (unknown
 * keys, bad values and a missing ExecStart binary are all reported there), and `systemd-analyze security
 * --offline=true` rates each one's exposure at 5.0 or lower. verify runs against a temporary root holding
 * the system's unit files, the unit and the binaries it names, so it needs neither systemd as PID 1 nor
 * ipgate installed on the machine.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from './helpers/ipgate.js';
import { tempDir } from './helpers/tmp.js';

const UNITS = join(ROOT, 'deploy/systemd');

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('systemd-analyze', args, { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

/** The absolute paths of the programs a unit runs (ExecStart=, ExecReload=, ...). */
function programs(unit: string): string[] {
  return [...unit.matchAll(/^Exec\w+=[-@:+!]*(\/\S+)/gm)].map((m) => m[1] ?? '');
}

let root: { dir: string; remove: () => Promise<void> };
let units: string[];

before(async () => {
  units = (await readdir(UNITS)).filter((f) => f.endsWith('.service')).sort();
  root = await tempDir('ipgate-systemd-');
  await mkdir(join(root.dir, 'usr/lib/systemd'), { recursive: true });
  await cp('/lib/systemd/system', join(root.dir, 'usr/lib/systemd/system'), { recursive: true });
  await mkdir(join(root.dir, 'etc/systemd/system'), { recursive: true });
});
after(async () => root.remove());

test('deploy/systemd holds ipgate.service and ipgate-haproxy.service', () => {
  assert.deepEqual(units, ['ipgate-haproxy.service', 'ipgate.service']);
});

test('each unit passes systemd-analyze verify without a warning', async () => {
  for (const name of units) {
    const text = await readFile(join(UNITS, name), 'utf8');
    for (const program of programs(text)) {
      const path = join(root.dir, program);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, '#!/bin/sh\nexit 0\n');
      await chmod(path, 0o755);
    }
    await writeFile(join(root.dir, 'etc/systemd/system', name), text);
    const result = await run(['verify', `--root=${root.dir}`, `/etc/systemd/system/${name}`]);
    assert.equal(result.code, 0, `${name}: ${result.stderr}`);
    assert.equal(`${result.stdout}${result.stderr}`.trim(), '', `${name}: systemd-analyze verify has something to say`);
  }
});

test('verify is not blind: a unit with an unknown key or a missing binary is reported', async () => {
  const text = await readFile(join(UNITS, 'ipgate.service'), 'utf8');
  await writeFile(join(root.dir, 'etc/systemd/system/broken.service'), text.replace('[Service]\n', '[Service]\nProtectSytem=strict\n'));
  const unknown = await run(['verify', `--root=${root.dir}`, '/etc/systemd/system/broken.service']);
  assert.match(unknown.stderr, /Unknown key 'ProtectSytem'/);
  await writeFile(join(root.dir, 'etc/systemd/system/missing.service'), text.replace(/^ExecStart=\S+/m, 'ExecStart=/usr/local/bin/no-such-ipgate'));
  const missing = await run(['verify', `--root=${root.dir}`, '/etc/systemd/system/missing.service']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /no-such-ipgate is not executable/);
});

test('each unit is hardened: systemd-analyze security rates its exposure at 5.0 or lower, and reload is SIGHUP', async () => {
  for (const name of units) {
    const text = await readFile(join(UNITS, name), 'utf8');
    for (const line of ['User=ipgate', 'ProtectSystem=strict', 'StateDirectory=ipgate', 'NoNewPrivileges=yes']) {
      assert.ok(text.includes(`\n${line}\n`), `${name} has ${line}`);
    }
    assert.match(text, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m, `${name}: reload sends SIGHUP`);
    const result = await run(['security', '--offline=true', join(UNITS, name)]);
    const level = /Overall exposure level for \S+: (\d+\.\d+)/.exec(result.stdout);
    assert.ok(level !== null, `${name}: no exposure line in:\n${result.stdout}${result.stderr}`);
    const exposure = Number(level[1]);
    assert.ok(exposure <= 5.0, `${name}: exposure ${exposure} is above 5.0`);
  }
});

test('the rating is not blind: a unit with only DynamicUser, ProtectSystem=strict and NoNewPrivileges rates above 5.0', async () => {
  const file = join(root.dir, 'weak.service');
  await writeFile(file, '[Service]\nExecStart=/usr/local/bin/ipgate serve\nDynamicUser=yes\nProtectSystem=strict\nNoNewPrivileges=yes\n');
  const result = await run(['security', '--offline=true', file]);
  const exposure = Number(/Overall exposure level for \S+: (\d+\.\d+)/.exec(result.stdout)?.[1]);
  assert.ok(exposure > 5.0, `weak unit rated ${exposure}`);
});
