/**
 * What the admin API's TLS and credential tests share: certificates made with openssl (a CA, the admin API's
 * certificate for 127.0.0.1, client certificates with a chosen subject, one from an unrelated CA), curl and
 * `openssl s_client` run as real clients, and SIGHUP with a wait for its outcome.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { makeCa, signCert, type CertAndKey } from './etcd-certs.js';
import type { RunningIpgate } from './ipgate.js';
import { waitFor } from './wait.js';

export interface AdminCerts {
  readonly ca: CertAndKey;
  /** The admin API's certificate: SAN IP:127.0.0.1. */
  readonly server: CertAndKey;
  /** A client certificate, subject `/O=ops/CN=alice`. */
  readonly alice: CertAndKey;
  /** A client certificate from another CA. */
  readonly stranger: CertAndKey;
  readonly otherCa: CertAndKey;
}

const SERVER_EXT = ['subjectAltName=IP:127.0.0.1', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth'];
const CLIENT_EXT = ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'];

export async function makeAdminCerts(dir: string): Promise<AdminCerts> {
  const ca = await makeCa(dir, 'admin-ca');
  const otherCa = await makeCa(dir, 'other-ca');
  return {
    ca,
    otherCa,
    server: await adminServerCert(dir, 'admin-server', ca),
    alice: await signCert(dir, 'alice', '/O=ops/CN=alice', CLIENT_EXT, ca),
    stranger: await signCert(dir, 'stranger', '/O=ops/CN=mallory', CLIENT_EXT, otherCa),
  };
}

/** Another certificate for the admin API (a rotation), signed by `ca`. */
export function adminServerCert(dir: string, name: string, ca: CertAndKey): Promise<CertAndKey> {
  return signCert(dir, name, `/CN=${name}`, SERVER_EXT, ca);
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(command: string, args: readonly string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(command, [...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

/** `curl -sS ARGS URL` (exit code, body, stderr). */
export function curl(args: readonly string[]): Promise<Run> {
  return run('curl', ['-sS', '--max-time', '5', ...args]);
}

/** `openssl s_client -connect` to a port on 127.0.0.1 (stdin closed: it connects, verifies, prints and leaves). */
export function sClient(port: number, args: readonly string[]): Promise<Run> {
  return run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args]);
}

/** The subject line of the certificate an `openssl s_client` run was shown (`subject=CN = admin-server`). */
export function servedSubject(output: string): string | undefined {
  return /^subject=(.*)$/m.exec(output)?.[1]?.trim();
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Sends SIGHUP and waits until the gateway has handled it (its next `reload` line). */
export async function hangUp(ipgate: RunningIpgate): Promise<void> {
  const before = ipgate.logs().filter((l) => l['event'] === 'reload').length;
  ipgate.child.kill('SIGHUP');
  await waitFor(() => ipgate.logs().filter((l) => l['event'] === 'reload').length > before, 3000, 'reload line');
  await new Promise((r) => setTimeout(r, 200));
}

/** The port of a URL such as `https://127.0.0.1:9443`. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}
