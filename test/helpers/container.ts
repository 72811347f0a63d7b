/**
 * podman for the image test: run as root with the project's containers.conf (test/fixtures), its storage in
 * a directory of its own under the OS temp dir (kept between runs, so the base image and the build's layer
 * cache are reused). No registry is reachable, so the base image is made here: this machine's Node binary,
 * npm, a shell and a few coreutils with the libraries `ldd` lists, and the machine's CA bundle (npm in
 * the build reaches the registry through it); it is built once per Node version.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, copyFile, cp, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from './ipgate.js';
import { tempDir } from './tmp.js';

const STORE = join(tmpdir(), 'ipgate-podman');

export const PODMAN_ENV: NodeJS.ProcessEnv = { ...process.env, CONTAINERS_CONF: join(ROOT, 'test/fixtures/containers.conf') };

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `podman ARGS` (with the test's storage) to completion; `input` is piped to its standard input. */
export function podman(args: readonly string[], options: { input?: NodeJS.ReadableStream; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('podman', ['--root', join(STORE, 'storage'), '--runroot', join(STORE, 'run'), ...args], { env: PODMAN_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    if (options.input === undefined) child.stdin.end();
    else options.input.pipe(child.stdin);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function sh(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')}: ${stderr}`))));
  });
}

async function which(name: string): Promise<string> {
  return (await sh('sh', ['-c', `command -v ${name}`])).trim();
}

/** The shared libraries a binary loads (absolute paths, from `ldd`). */
async function libraries(binary: string): Promise<string[]> {
  const out = await sh('ldd', [binary]);
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1] ?? '').filter((p) => p !== '');
}

/** The npm that comes with this machine's Node (the package directory behind `npm` on PATH). */
async function npmDir(): Promise<string> {
  return dirname(dirname(await realpath(await which('npm'))));
}

/** The base image's tag: one per Node version. */
export const BASE_IMAGE = `localhost/ipgate-test-base:node-${process.version}`;

/** Makes the base image unless it exists; resolves to its tag and whether it was made now. */
export async function baseImage(): Promise<{ image: string; made: boolean }> {
  if ((await podman(['image', 'exists', BASE_IMAGE])).code === 0) return { image: BASE_IMAGE, made: false };
  const { dir, remove } = await tempDir('ipgate-base-');
  try {
    const stage = join(dir, 'rootfs');
    const put = async (from: string, to: string): Promise<void> => {
      await mkdir(dirname(join(stage, to)), { recursive: true });
      await copyFile(from, join(stage, to));
      await chmod(join(stage, to), 0o755);
    };
    await put(process.execPath, '/usr/local/bin/node');
    await cp(await npmDir(), join(stage, 'usr/local/lib/node_modules/npm'), { recursive: true });
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(stage, 'usr/local/bin/npm'));
    await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(stage, 'usr/local/bin/npx'));
    const tools = ['env', 'ln', 'mkdir', 'rm', 'cp', 'chmod', 'chown', 'cat', 'ls'];
    const binaries = [process.execPath, await which('dash'), ...(await Promise.all(tools.map(which)))];
    await put(binaries[1] ?? '/bin/dash', '/bin/sh');
    for (const [i, tool] of tools.entries()) await put(binaries[i + 2] ?? '', `/usr/bin/${tool}`);
    const libs = new Set((await Promise.all(binaries.map(libraries))).flat());
    for (const lib of libs) {
      await mkdir(dirname(join(stage, lib)), { recursive: true });
      await copyFile(lib, join(stage, lib));
    }
    await mkdir(join(stage, 'etc/ssl/certs'), { recursive: true });
    await copyFile('/etc/ssl/certs/ca-certificates.crt', join(stage, 'etc/ssl/certs/ca-certificates.crt'));
    await writeFile(join(stage, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    await writeFile(join(stage, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    await mkdir(join(stage, 'tmp'), { recursive: true });
    await chmod(join(stage, 'tmp'), 0o1777);
    await mkdir(join(stage, 'root'), { recursive: true });
    const tar = spawn('tar', ['-C', stage, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const imported = await podman(
      [
        'import',
        '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--change', 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
        '-', BASE_IMAGE,
      ],
      { input: tar.stdout },
    );
    if (imported.code !== 0) throw new Error(`podman import failed: ${imported.stderr}`);
    return { image: BASE_IMAGE, made: true };
  } finally {
    await remove();
  }
}

/**
 * Removes images of builds older than a day that no tag refers to any more, so the storage does not grow
 * run after run; younger ones are the layer cache of the next build (the build stage's npm ci above all).
 */
export async function pruneDangling(): Promise<void> {
  await podman(['image', 'prune', '--force', '--filter', 'until=24h']);
}
