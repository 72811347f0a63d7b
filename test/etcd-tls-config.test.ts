/**
 * TLS settings of the etcd store without a running etcd: which configs are accepted, and how TLS failures
 * reported by the etcd client read in logs and /readyz (the failure texts below are as the client reports them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../src/config/load.js';
import { ConfigError } from '../src/config/problems.js';
import { etcdErrorText } from '../src/store/etcd-error-text.js';

function problemsOf(text: string): { path: string; code: string; message: string }[] {
  try {
    parseConfigText(text, 'x.yaml', '/etc/ipgate');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  return [];
}

const config = (endpoint: string, tls: string): string => `
upstream: 127.0.0.1:8443
listeners: [{ name: public, address: 127.0.0.1:6443 }]
store:
  etcd:
    endpoints: [${endpoint}]
${tls}`;

test('https etcd endpoints without caFile are a config error (ERR_CONFIG_MISSING_KEY at store.etcd.caFile)', () => {
  const certs = '    certFile: client.crt\n    keyFile: client.key\n';
  assert.deepEqual(problemsOf(config('https://127.0.0.1:2379', `    caFile: ca.crt\n${certs}`)), []);
  const problem = problemsOf(config('https://127.0.0.1:2379', certs)).find((p) => p.path === 'store.etcd.caFile');
  assert.equal(problem?.code, 'ERR_CONFIG_MISSING_KEY');
});

test('TLS files with http:// endpoints are a config error naming each file key (the client would speak TLS to a plain port)', () => {
  const problems = problemsOf(config('http://127.0.0.1:2379', '    caFile: ca.crt\n    certFile: client.crt\n    keyFile: client.key\n'));
  assert.deepEqual(problems.map((p) => [p.path, p.code]), [
    ['store.etcd.caFile', 'ERR_CONFIG_VALUE'],
    ['store.etcd.certFile', 'ERR_CONFIG_VALUE'],
    ['store.etcd.keyFile', 'ERR_CONFIG_VALUE'],
  ]);
  assert.match(problems[0]?.message ?? '', /https:\/\//);
  assert.deepEqual(problems.filter((p) => p.path.startsWith('store')).length, 3);
  assert.deepEqual(problemsOf(config('http://127.0.0.1:2379', '')), [], 'plain http without TLS files is fine');
});

test('a server certificate not signed by caFile: the reason and what to check, without timestamps or notes', () => {
  const text = etcdErrorText('14 UNAVAILABLE: No connection established. Last error: Error: unable to verify the first certificate. Resolution note: ');
  assert.equal(text, '14 UNAVAILABLE: No connection established. Last error: Error: unable to verify the first certificate (the etcd server certificate is not signed by caFile: check store.etcd.caFile)');
});

test('a client certificate refused by etcd: the OpenSSL error string becomes its reason, with the fix', () => {
  const raw = '14 UNAVAILABLE: No connection established. Last error: 80AC4CDEE57F0000:error:0A000412:SSL routines:ssl3_read_bytes:'
    + 'sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42\n (2026-11-30T03:11:52.312Z). Resolution note: )';
  const text = etcdErrorText(raw);
  assert.equal(text, '14 UNAVAILABLE: No connection established. Last error: sslv3 alert bad certificate (etcd refused the client certificate: check certFile/keyFile; the CA etcd trusts (--trusted-ca-file) must have signed it)');
  assert.doesNotMatch(text, /\n|rec_layer|2026-/);
});

test('other failures pass through, whitespace tidied', () => {
  assert.equal(etcdErrorText('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:2379'),
    '14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:2379');
  assert.equal(etcdErrorText('deadline\n  exceeded'), 'deadline exceeded');
});
