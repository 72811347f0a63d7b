/**
 * Certificates for etcd over TLS, made with the `openssl` command in a given dir: a CA, a server certificate
 * for 127.0.0.1 (subjectAltName IP:127.0.0.1) and a client certificate, both signed by that CA. A second,
 * unrelated self-signed CA can be made the same way to stand for a wrong trust root.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface CertAndKey {
  readonly cert: string;
  readonly key: string;
}

export interface EtcdCerts {
  /** The CA that signed both certificates below. */
  readonly ca: CertAndKey;
  /** etcd's serving certificate: SAN IP:127.0.0.1. */
  readonly server: CertAndKey;
  /** A client certificate for etcd's `--client-cert-auth`. */
  readonly client: CertAndKey;
}

/** A self-signed CA `NAME.crt`/`NAME.key` in `dir`. */
export async function makeCa(dir: string, name: string): Promise<CertAndKey> {
  const ca = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  await run('openssl', ['req', '-x509', ...EC_KEY, '-days', '2', '-subj', `/CN=${name}`, '-keyout', ca.key, '-out', ca.cert]);
  return ca;
}

/** `NAME.crt`/`NAME.key` in `dir` with subject CN and the extensions `ext` (openssl x509v3 config lines), signed by `ca`. */
function makeSigned(dir: string, name: string, cn: string, ext: readonly string[], ca: CertAndKey): Promise<CertAndKey> {
  return signCert(dir, name, `/CN=${cn}`, ext, ca);
}

/** `NAME.crt`/`NAME.key` in `dir` with an openssl subject (`/O=ops/CN=alice`) and the extensions `ext`, signed by `ca`. */
export async function signCert(dir: string, name: string, subject: string, ext: readonly string[], ca: CertAndKey): Promise<CertAndKey> {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  await writeFile(extFile, `${ext.join('\n')}\n`);
  await run('openssl', ['req', '-new', ...EC_KEY, '-subj', subject, '-keyout', files.key, '-out', csr]);
  await run('openssl', [
    'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-days', '2', '-extfile', extFile, '-out', files.cert,
  ]);
  return files;
}

/** The CA, server and client certificates for one etcd, in `dir`. */
export async function makeEtcdCerts(dir: string): Promise<EtcdCerts> {
  const ca = await makeCa(dir, 'etcd-ca');
  const server = await makeSigned(dir, 'etcd-server', '127.0.0.1', ['subjectAltName=IP:127.0.0.1', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth,clientAuth'], ca);
  const client = await makeClientCert(dir, 'etcd-client', ca);
  return { ca, server, client };
}

/** A client certificate `NAME.crt`/`NAME.key` in `dir`, signed by `ca`. */
export function makeClientCert(dir: string, name: string, ca: CertAndKey): Promise<CertAndKey> {
  return makeSigned(dir, name, name, ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'], ca);
}
