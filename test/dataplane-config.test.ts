/**
 * Every shape of listener the managed HAProxy data plane renders is a configuration the real HAProxy accepts
 * (`haproxy -c`), and a configuration it refuses is reported with HAProxy's own reason.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEndpoint } from '../src/config/address.js';
import type { ListenerConfig } from '../src/config/types.js';
import { renderHaproxyConfig } from '../src/dataplane/haproxy-config.js';
import { checkConfig } from '../src/dataplane/haproxy-process.js';
import { IpgateError } from '../src/errors.js';
import { tempDir } from './helpers/tmp.js';

const proxy = { trustedFrom: ['127.0.0.1/32'], timeoutMs: 1500 };
const shapes: Record<string, ListenerConfig> = {
  enforced: { name: 'a', address: parseEndpoint('127.0.0.1:16001'), enforce: true },
  'enforced, PROXY protocol': { name: 'b', address: parseEndpoint('127.0.0.1:16002'), enforce: true, proxyProtocol: proxy },
  'not enforced': { name: 'c', address: parseEndpoint('127.0.0.1:16003'), enforce: false },
  'not enforced, PROXY protocol': { name: 'd', address: parseEndpoint('127.0.0.1:16004'), enforce: false, proxyProtocol: proxy },
  'dual stack': { name: 'e', address: parseEndpoint('[::]:16005'), enforce: true, proxyProtocol: proxy },
};

async function render(dir: string, listeners: ListenerConfig[]): Promise<string> {
  for (const name of ['allow.map', ...listeners.map((l) => `trusted-${l.name}.map`)]) await writeFile(join(dir, name), '');
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, renderHaproxyConfig({
    listeners,
    upstream: parseEndpoint('127.0.0.1:16443'),
    upstreamConnectTimeoutMs: 2000,
    socketPath: join(dir, 'admin.sock'),
    mapFile: join(dir, 'allow.map'),
    trustedFile: (name) => join(dir, `trusted-${name}.map`),
  }));
  return file;
}

for (const [shape, listener] of Object.entries(shapes)) {
  test(`HAProxy accepts the rendered configuration: ${shape}`, async () => {
    const { dir, remove } = await tempDir();
    try {
      await checkConfig('haproxy', await render(dir, [listener]));
    } finally {
      await remove();
    }
  });
}

test('HAProxy accepts all listener shapes in one configuration', async () => {
  const { dir, remove } = await tempDir();
  try {
    await checkConfig('haproxy', await render(dir, Object.values(shapes)));
  } finally {
    await remove();
  }
});

test('a configuration HAProxy refuses is ERR_HAPROXY_CONFIG with HAProxy\'s reason', async () => {
  const { dir, remove } = await tempDir();
  try {
    const file = join(dir, 'bad.cfg');
    await writeFile(file, 'frontend f\n  bind 127.0.0.1:16006\n  acl both ipgate_a ipgate_b\n');
    await assert.rejects(checkConfig('haproxy', file), (error: unknown) => {
      assert.ok(error instanceof IpgateError);
      assert.equal(error.code, 'ERR_HAPROXY_CONFIG');
      assert.match(error.message, /ALERT.*bad\.cfg:3/);
      return true;
    });
  } finally {
    await remove();
  }
});
