/**
 * GET /v1/export's answer (the plan `ipgate export` prints, with the provider commands) and the dashboard's
 * static files: what is served, with which headers, and what is not.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiError } from '../src/admin/api-error.js';
import { exportAnswer } from '../src/admin/export-api.js';
import { loadUiAssets, UI_CSP, uiResponse } from '../src/admin/ui-assets.js';
import { tempDir } from './helpers/tmp.js';

const profile = { authorizedIpRanges: ['20.0.0.0/24', '20.0.1.0/24', '20.0.3.0/24', '52.0.0.7'], egressIpRanges: ['40.1.2.3/32'] };

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected an ApiError');
}

test('export for AKS: condensed, egress left out, the az command; a custom limit condenses further', () => {
  const aks = exportAnswer(profile, new URLSearchParams('target=aks'));
  assert.deepEqual(aks['ranges'], ['20.0.0.0/23', '20.0.3.0/24', '52.0.0.7/32']);
  assert.equal(aks['limit'], 200);
  assert.equal(aks['egressIncluded'], false);
  assert.equal(aks['extraAddresses'], '0');
  assert.match((aks['commands'] as { az: string }).az, /^az aks update .*--api-server-authorized-ip-ranges 20\.0\.0\.0\/23,20\.0\.3\.0\/24,52\.0\.0\.7\/32$/);
  const two = exportAnswer(profile, new URLSearchParams('target=ipgate&max=2'));
  assert.equal((two['ranges'] as string[]).length, 2);
  assert.equal(two['egressIncluded'], true);
  assert.ok(BigInt(two['extraAddresses'] as string) > 0n);
  const eks = exportAnswer(profile, new URLSearchParams('target=eks'));
  assert.match((eks['commands'] as { aws: string }).aws, /publicAccessCidrs=.*40\.1\.2\.3\/32/);
});

test('export refuses a missing or unknown target, a bad max, and says why a profile cannot be exported', () => {
  assert.equal(apiError(() => exportAnswer(profile, new URLSearchParams(''))).code, 'ERR_USAGE');
  assert.match(apiError(() => exportAnswer(profile, new URLSearchParams('target=azure'))).message, /one of aks, gke, eks, ipgate, got "azure"/);
  assert.equal(apiError(() => exportAnswer(profile, new URLSearchParams('target=aks&max=0'))).code, 'ERR_USAGE');
  const local = apiError(() => exportAnswer({ authorizedIpRanges: ['10.0.0.0/8'], egressIpRanges: [] }, new URLSearchParams('target=aks')));
  assert.equal(local.code, 'ERR_EXPORT_NOT_GLOBAL');
  assert.equal(local.status, 400);
  assert.equal(local.errors[0]?.entry, '10.0.0.0/8');
  assert.equal(apiError(() => exportAnswer({ authorizedIpRanges: [], egressIpRanges: [] }, new URLSearchParams('target=gke'))).code, 'ERR_EXPORT_DISABLED');
});

test('dashboard files: read once, served with the CSP; subfolders, other types and missing files are not', async () => {
  const { dir, remove } = await tempDir();
  try {
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(dir, 'app.js'), 'console.log(1)');
    await writeFile(join(dir, 'app.js.map'), '{}');
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src/hilbert.js'), 'x');
    const assets = loadUiAssets(dir);
    assert.deepEqual([...assets.files.keys()].sort(), ['app.js', 'index.html']);
    const index = uiResponse(assets, '/ui/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-security-policy'], UI_CSP);
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.match(index.headers['content-type'] ?? '', /^text\/html/);
    assert.match(uiResponse(assets, '/ui/app.js').headers['content-type'] ?? '', /^text\/javascript/);
    assert.equal(uiResponse(assets, '/ui/app.js.map').status, 404);
    assert.equal(uiResponse(assets, '/ui/src/hilbert.js').status, 404);
    assert.equal(uiResponse(assets, '/ui/../package.json').status, 404);
    assert.equal(uiResponse(assets, '/ui').status, 308);
    const none = uiResponse(loadUiAssets(join(dir, 'missing')), '/ui/');
    assert.equal(none.status, 404);
    assert.match(none.body, /not built.*npm run build/);
  } finally {
    await remove();
  }
});
