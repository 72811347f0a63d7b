/**
 * Readable text for an etcd client failure (pure). The gRPC layer reports TLS problems as raw OpenSSL
 * error strings with source paths, timestamps and empty notes; operators need the reason and what to check.
 */

/** `...:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../path.c:1601:SSL alert number 42` */
const OPENSSL_ERROR = /[0-9A-F]+:error:[0-9A-F]+:[^:]+:[^:]+:([^:]+):[^:\s]+:\d+:?(?:SSL alert number \d+)?/g;

const HINTS: readonly (readonly [RegExp, string])[] = [
  [/bad certificate|certificate required|unknown ca/i, 'etcd refused the client certificate: check certFile/keyFile; the CA etcd trusts (--trusted-ca-file) must have signed it'],
  [/unable to verify|certificate verify failed|self.signed|unable to get (local )?issuer/i, 'the etcd server certificate is not signed by caFile: check store.etcd.caFile'],
  [/hostname|altnames|does not match certificate/i, 'the etcd server certificate does not name this endpoint: check its subjectAltName'],
];

export function etcdErrorText(message: string): string {
  let text = message
    .replace(OPENSSL_ERROR, (_, reason: string) => reason.trim())
    .replace(/\s*\(\d{4}-\d{2}-\d{2}T[0-9:.]+Z\)/g, '')
    .replace(/\.?\s*Resolution note:\s*\)?\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const hint = HINTS.find(([pattern]) => pattern.test(text));
  if (hint !== undefined) text = `${text} (${hint[1]})`;
  return text;
}
