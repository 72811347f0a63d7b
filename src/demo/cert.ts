/**
 * A self-signed certificate for the demo upstream, made with the `openssl` command: SAN IP:127.0.0.1,
 * IP:::1 and DNS:localhost, so kubectl and curl can verify it with `--certificate-authority`/`--cacert`.
 */
import { execFile } from 'node:child_process';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

export function certFiles(dir: string): CertFiles {
  return { cert: join(dir, 'upstream.crt'), key: join(dir, 'upstream.key') };
}

/** Creates `upstream.crt` and `upstream.key` in `dir` unless they exist; returns their paths. */
export async function ensureSelfSignedCert(dir: string): Promise<CertFiles> {
  const files = certFiles(dir);
  try {
    await access(files.cert);
    await access(files.key);
    return files;
  } catch {
    // create below
  }
  await mkdir(dir, { recursive: true });
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30',
    '-subj', '/CN=ipgate-demo-apiserver',
    '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
    '-keyout', files.key, '-out', files.cert,
  ]);
  return files;
}
