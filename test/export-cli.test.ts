import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRange } from '../src/cidr/parse.js';
import { rangeLast } from '../src/cidr/types.js';
import { parseSource } from '../src/sources/parse.js';
import { select } from '../src/sources/select.js';
import { fixture, startFixtureServer } from './sources-fixture-server.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'ipgate.js');

function ipgate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

test('ipgate export (real CLI): URL and file sources, targets, formats, cache fallback, errors', async () => {
  const server = await startFixtureServer();
  const dir = await mkdtemp(join(tmpdir(), 'ipgate-export-'));
  try {
    server.routes.set('/ServiceTags_Public.json', { body: fixture('azure-service-tags.json'), etag: true });
    await writeFile(join(dir, 'ip-ranges.json'), fixture('aws-ip-ranges.json'));
    const config = join(dir, 'ipgate.yaml');
    // A file used only for export needs no gateway keys (upstream, listeners).
    await writeFile(config, [
      'profile:',
      '  authorizedIpRanges: [73.140.245.0/24, AzureCloud.westeurope, "aws:service=EC2,region=eu-west-1"]',
      '  egressIpRanges: [20.50.1.7/32]',
      'sources:',
      `  - { name: azure, type: azure-service-tags, url: ${server.base}/ServiceTags_Public.json, refresh: 24h }`,
      '  - { name: aws, type: aws-ip-ranges, file: ./ip-ranges.json }',
      '',
    ].join('\n'));
    const required = [
      parseRange('73.140.245.0/24'),
      ...select(parseSource('azure-service-tags', 'a', fixture('azure-service-tags.json')), 'AzureCloud.westeurope'),
      ...select(parseSource('aws-ip-ranges', 'b', fixture('aws-ip-ranges.json')), 'service=EC2,region=eu-west-1'),
    ].filter((r) => r.family === 4);

    const json = await ipgate(['export', '--config', config, '--target', 'gke', '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const out = JSON.parse(json.stdout) as { count: number; limit: number; ranges: string[]; extraAddresses: string; warnings: string[] };
    assert.equal(out.limit, 50);
    assert.ok(out.count <= 50 && out.count === out.ranges.length);
    const ranges = out.ranges.map(parseRange);
    for (const r of [...required, parseRange('20.50.1.7/32')]) {
      assert.ok(ranges.some((o) => o.family === r.family && o.network <= r.network && rangeLast(r) <= rangeLast(o)), `covers ${r.network}`);
    }
    assert.ok(BigInt(out.extraAddresses) > 0n);
    assert.ok(out.warnings.some((w) => /IPv6/.test(w)));

    const az = await ipgate(['export', '--config', config, '--target', 'aks', '--format', 'az']);
    assert.equal(az.code, 0, az.stderr);
    // AKS takes one service tag: AzureCloud.westeurope is passed through as the tag, not expanded.
    assert.match(az.stdout, /^az aks update --resource-group <RESOURCE_GROUP> --name <CLUSTER> --api-server-authorized-ip-ranges AzureCloud\.westeurope,[0-9./,]+\n$/);
    assert.match(az.stderr, /service tag AzureCloud\.westeurope \(passed as a tag\) and \d+ prefixes for aks \(limit 200\).*extra \d+ \(\d+\.\d+%\)/);
    const expandedAz = await ipgate(['export', '--config', config, '--target', 'aks', '--format', 'az', '--expand-tags']);
    assert.equal(expandedAz.code, 0, expandedAz.stderr);
    assert.match(expandedAz.stdout, /--api-server-authorized-ip-ranges [0-9./,]+\n$/);
    const vnet = await ipgate(['export', '--config', config, '--target', 'aks', '--vnet-integration']);
    assert.equal(vnet.code, 2);
    assert.match(vnet.stderr, /AzureCloud\.westeurope is a service tag, and AKS refuses service tags on a cluster with API server VNet integration \(ERR_AKS_SERVICE_TAG_VNET\)\n {2}suggestion: .*--expand-tags/);
    assert.equal(vnet.stdout, '');
    assert.equal((await ipgate(['export', '--config', config, '--target', 'aks', '--vnet-integration', '--expand-tags'])).code, 0);
    assert.equal((await ipgate(['export', '--config', config, '--target', 'gke', '--expand-tags'])).code, 2);

    const lines = await ipgate(['export', '--config', config, '--target', 'eks', '--max', '10']);
    assert.equal(lines.code, 0, lines.stderr);
    assert.ok(lines.stdout.trim().split('\n').length <= 10);

    // The server goes away: the cached copy is used, with a warning.
    await server.close();
    const cached = await ipgate(['export', '--config', config, '--target', 'aks']);
    assert.equal(cached.code, 0, cached.stderr);
    assert.match(cached.stderr, /source "azure": .*ERR_SOURCE_FETCH.*using the cached copy/);
    assert.equal(cached.stdout, (await ipgate(['export', '--config', config, '--target', 'aks'])).stdout);
    const shown = await ipgate(['sources', 'show', '--config', config]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /azure\s+azure-service-tags\s+\d+\s+cache/);
    assert.match(shown.stdout, /AzureCloud\.westeurope\s+azure\s+\d+/);

    // User mistakes: one line with the code, exit 2.
    const bad = await ipgate(['export', '--config', config, '--target', 'azure']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ERR_USAGE/);
    await writeFile(join(dir, 'typo.yaml'), 'upstream: 10.0.0.4:443\nlisteners: [{ name: public, address: "127.0.0.1:0" }]\nprofile:\n  authorizedIpRanges: ["aws:service=EC2,region=eu-wset-1"]\nsources:\n  - { name: aws, type: aws-ip-ranges, file: ./ip-ranges.json }\n');
    const typo = await ipgate(['export', '--config', join(dir, 'typo.yaml'), '--target', 'aks']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /region=eu-west-1.*ERR_SELECTOR_UNKNOWN/);
    assert.equal(typo.stdout, '');
    // The same loader as 'ipgate serve': an unknown key is an error, with the key's path and a suggestion.
    await writeFile(join(dir, 'unknown.yaml'), 'upstream: 10.0.0.4:443\nlisteners: [{ name: public, address: "127.0.0.1:0" }]\nprofile: { authorizedIpRanges: [10.0.0.0/8] }\nsources:\n  - { name: aws, type: aws-ip-ranges, file: ./ip-ranges.json, refesh: 24h }\n');
    const unknown = await ipgate(['export', '--config', join(dir, 'unknown.yaml'), '--target', 'aks']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /sources\[0\]\.refesh.*did you mean "refresh"/);
    // A reference to a source that is not configured is refused when the file is read.
    await writeFile(join(dir, 'nosource.yaml'), 'upstream: 10.0.0.4:443\nlisteners: [{ name: public, address: "127.0.0.1:0" }]\nprofile: { authorizedIpRanges: ["gcp:scope=europe-west1"] }\nsources:\n  - { name: aws, type: aws-ip-ranges, file: ./ip-ranges.json }\n');
    const nosource = await ipgate(['export', '--config', join(dir, 'nosource.yaml'), '--target', 'aks']);
    assert.equal(nosource.code, 2);
    assert.match(nosource.stderr, /no source named "gcp"/);
  } finally {
    await server.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});
