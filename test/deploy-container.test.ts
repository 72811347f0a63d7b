/**
 * The Dockerfile builds an image that serves traffic: podman (as root, test/fixtures/containers.conf) builds it
 * on a base image made on this machine, runs `ipgate serve` in it with the host network on a read-only root
 * filesystem as uid 65532, with the config mounted read-only at /etc/ipgate and state in /var/lib/ipgate,
 * and curl from 127.0.0.N addresses shows the profile enforced; a change through the admin API lands in the
 * state volume; the dashboard is served at /ui/; SIGHUP reloads; `podman stop` (SIGTERM) ends it with exit 0.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { ROOT } from './helpers/ipgate.js';
import { adminRequest, curlFrom } from './helpers/clients.js';
import { baseImage, podman, pruneDangling } from './helpers/container.js';
import { freePort } from './helpers/ports.js';
import { tempDir } from './helpers/tmp.js';
import { startUpstream, type DemoUpstream } from './helpers/upstream.js';
import { waitFor } from './helpers/wait.js';

const IMAGE = 'localhost/ipgate:test';
const NAME = `ipgate-test-${process.pid}`;
const UID = 65532;

let tmp: { dir: string; remove: () => Promise<void> };
let upstream: DemoUpstream;

before(async () => {
  tmp = await tempDir('ipgate-image-');
  upstream = await startUpstream(tmp.dir);
});
after(async () => {
  await podman(['rm', '--force', '--time', '0', NAME]);
  await upstream.close();
  await tmp.remove();
});

test('the image builds from the Dockerfile, runs ipgate serve read-only as a non-root user, and enforces the profile', { timeout: 900_000 }, async (t) => {
  let started = Date.now();
  const base = await baseImage();
  t.diagnostic(`base image ${base.image}: ${base.made ? `made in ${((Date.now() - started) / 1000).toFixed(1)} s` : 'cached'}`);
  started = Date.now();
  const build = await podman(['build', '--build-arg', `BASE=${base.image}`, '--tag', IMAGE, ROOT]);
  assert.equal(build.code, 0, `podman build failed:\n${build.stdout.slice(-4000)}\n${build.stderr.slice(-4000)}`);
  t.diagnostic(`image build: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await pruneDangling();

  const inspect = JSON.parse((await podman(['image', 'inspect', IMAGE])).stdout) as { Config: { User: string; Entrypoint: string[]; Cmd: string[]; Volumes: Record<string, unknown> } }[];
  const config = inspect[0]?.Config;
  assert.equal(config?.User, `${UID}:${UID}`);
  assert.deepEqual(config?.Entrypoint, ['ipgate']);
  assert.deepEqual(config?.Cmd, ['serve', '--config', '/etc/ipgate/ipgate.yaml']);
  assert.ok(config !== undefined && '/var/lib/ipgate' in config.Volumes, 'state volume declared');

  const version = await podman(['run', '--rm', IMAGE, 'version']);
  assert.equal(version.code, 0, version.stderr);
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.match(version.stdout, new RegExp(`ipgate ${pkg.version.replace(/\./g, '\\.')}`));

  // The config directory (read-only in the container) and the state directory (the volume, owned by the image's user).
  const etc = join(tmp.dir, 'etc');
  const state = join(tmp.dir, 'state');
  await mkdir(etc);
  await mkdir(state);
  await chown(state, UID, UID);
  const token = randomBytes(24).toString('hex');
  await writeFile(join(etc, 'admin.token'), `${token}\n`);
  await chown(join(etc, 'admin.token'), UID, UID);
  await chmod(join(etc, 'admin.token'), 0o400);
  const port = await freePort();
  const adminPort = await freePort();
  await writeFile(
    join(etc, 'ipgate.yaml'),
    stringify({
      upstream: `127.0.0.1:${upstream.port}`,
      listeners: [{ name: 'public', address: `127.0.0.1:${port}` }],
      admin: { address: `127.0.0.1:${adminPort}`, tokenFile: '/etc/ipgate/admin.token' },
      store: { file: '/var/lib/ipgate/profile.json' },
      profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32'] },
    }),
  );

  const run = await podman(['run', '--detach', '--name', NAME, '--network', 'host', '--read-only', '--volume', `${etc}:/etc/ipgate:ro`, '--volume', `${state}:/var/lib/ipgate`, IMAGE]);
  assert.equal(run.code, 0, run.stderr);
  const admin = `http://127.0.0.1:${adminPort}`;
  try {
    await waitFor(async () => (await adminRequest(admin, 'GET', '/readyz').catch(() => undefined))?.status === 200, 30_000, 'ipgate in the container to be ready');
  } catch (error) {
    throw new Error(`${String(error)}\n${(await podman(['logs', NAME])).stderr}`);
  }
  const top = await podman(['top', NAME, 'user', 'args']);
  assert.match(top.stdout, new RegExp(`\\n${UID}\\s+.*ipgate.* serve`), top.stdout);

  assert.equal((await curlFrom('127.0.0.2', port, { cacert: upstream.cert })).code, 0, 'an authorized source reaches the upstream');
  assert.notEqual((await curlFrom('127.0.0.3', port, { cacert: upstream.cert })).code, 0, 'another source is refused');

  // The dashboard is in the image: /ui/ on the admin listener serves its page and bundle.
  const page = await adminRequest(admin, 'GET', '/ui/');
  assert.equal(page.status, 200, page.text);
  assert.match(page.text, /<script[^>]+src="[^"]*app\.js"/);
  assert.equal((await adminRequest(admin, 'GET', '/ui/app.js')).status, 200);

  // A change through the admin API is written to the state volume (the only writable place).
  const patch = await adminRequest(admin, 'PATCH', '/v1/profile', { token, body: { add: ['127.0.0.3/32'] } });
  assert.equal(patch.status, 200, patch.text);
  assert.equal((await curlFrom('127.0.0.3', port, { cacert: upstream.cert })).code, 0, 'the added source is allowed');
  const stored = JSON.parse(await readFile(join(state, 'profile.json'), 'utf8')) as { authorizedIpRanges: string[] };
  assert.ok(stored.authorizedIpRanges.includes('127.0.0.3/32'));

  // SIGHUP re-reads the store: an edit of the file on the volume is enforced.
  await writeFile(join(state, 'profile.json'), JSON.stringify({ authorizedIpRanges: ['127.0.0.1/32'], egressIpRanges: [] }));
  assert.equal((await podman(['kill', '--signal', 'HUP', NAME])).code, 0);
  await waitFor(async () => (await curlFrom('127.0.0.2', port, { cacert: upstream.cert, timeoutS: 2 })).code !== 0, 10_000, 'the reloaded profile to refuse 127.0.0.2');

  const stop = await podman(['stop', '--time', '20', NAME]);
  assert.equal(stop.code, 0, stop.stderr);
  const exit = await podman(['inspect', '--format', '{{.State.ExitCode}}', NAME]);
  assert.equal(exit.stdout.trim(), '0', 'SIGTERM drains and exits 0');
  const logs = await podman(['logs', NAME]);
  assert.match(logs.stdout, /ipgate: ready/);
  assert.match(logs.stderr, /"event":"reload"/);
});
