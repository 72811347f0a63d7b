/**
 * The admin API's TLS files (`admin.tls`): its certificate and key, and the CA of client certificates when
 * clients must present one. Read at start and again on SIGHUP; checked by building a TLS context from them
 * (a key that does not belong to the certificate, a file that is no PEM), so a bad set is refused before it
 * is put in force: at start ipgate does not start, at SIGHUP the set in force stays.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { AdminTlsConfig } from '../config/types.js';
import { IpgateError } from '../errors.js';
import { describeFileError } from '../fs/file-error.js';

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** CA of the client certificates (given: clients must present a certificate it signed). */
  readonly ca?: Buffer;
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new IpgateError('ERR_ADMIN_TLS', `Cannot read the admin API's ${what} "${file}": ${describeFileError(error)}`, { input: file });
  }
}

/** Reads and checks the files; throws ERR_ADMIN_TLS naming the file or the mismatch. */
export function readTlsMaterial(config: AdminTlsConfig): TlsMaterial {
  const material: TlsMaterial = {
    cert: readPem(config.certFile, 'certificate (admin.tls.certFile)'),
    key: readPem(config.keyFile, 'key (admin.tls.keyFile)'),
    ...(config.clientCaFile === undefined ? {} : { ca: readPem(config.clientCaFile, 'client CA (admin.tls.clientCaFile)') }),
  };
  try {
    createSecureContext(material);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const files = [config.certFile, config.keyFile, ...(config.clientCaFile === undefined ? [] : [config.clientCaFile])].join(', ');
    throw new IpgateError('ERR_ADMIN_TLS', `The admin API's TLS files (${files}) cannot be used together: ${why}`, {
      input: config.certFile,
      suggestion: 'give a PEM certificate and the PEM key that belongs to it (and a PEM CA for client certificates)',
    });
  }
  return material;
}

/**
 * A client certificate's subject as one string, most specific part first (RFC 4514: `CN=alice,O=ops`), from
 * Node's form (one `KEY=value` a line, in certificate order, values already escaped).
 */
export function subjectName(subject: string): string {
  return subject
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .join(',');
}
