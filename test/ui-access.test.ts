/**
 * The dashboard's access cases in a real browser (Debian's Chromium through playwright-core) against real
 * `ipgate serve` processes: a read-scope token from `admin.tokensFile` sees every page with every change
 * control disabled and the reason shown (the scope as `GET /v1/whoami` reports it), and a write sent anyway
 * is refused 403; sign-in and a change over the admin API's HTTPS (`admin.tls`) with the CSP and same-origin
 * checks; and with the HAProxy data plane, which reports neither refusals nor matches, the pages say so.
 */
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeAdminCerts, type AdminCerts } from './helpers/admin-tls.js';
import { axeViolations, launchChromium, screenshotDir, trustCertificateArg } from './helpers/browser.js';
import { adminRequest, curlFrom } from './helpers/clients.js';
import { gatewayFixture, haproxyGatewayFixture } from './helpers/setup.js';

const SHOTS = screenshotDir();
const READ_TOKEN = 'dashboard-readonly-token-0123456789';

let browser: Browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

async function noSeriousViolations(page: Page, name: string): Promise<void> {
  const serious = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `axe-core on ${name}`);
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/ui/`);
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('token-input').press('Enter');
  await page.getByTestId('nav-overview').waitFor();
}

async function open(page: Page, nav: string): Promise<void> {
  await page.getByTestId(`nav-${nav}`).click();
  await page.locator('h1', { hasText: new RegExp(`^${nav}$`, 'i') }).waitFor();
}

test('a read-scope token sees every page with data; every change control is disabled with the reason; a write sent anyway is refused 403', async (t) => {
  const fx = await gatewayFixture(
    () => ({
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      admin: { address: '127.0.0.1:0', tokensFile: 'tokens.yaml' },
      store: { file: 'state/profile.json' },
      profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32', '198.51.100.0/24'], egressIpRanges: [] },
    }),
    async (dir) => {
      // The fixture writes its (write) token to admin.token before ipgate starts.
      await writeFile(join(dir, 'ro.token'), `${READ_TOKEN}\n`);
      await writeFile(join(dir, 'tokens.yaml'), ['- name: ops', '  scope: write', '  tokenFile: admin.token', '- name: dashboard-ro', '  scope: read', '  tokenFile: ro.token', ''].join('\n'));
    },
  );
  t.after(() => fx.close());
  // Something on every page: a change by the write token (History), a refused and an allowed connection.
  const write = await adminRequest(fx.adminUrl, 'PATCH', '/v1/profile', { token: fx.token, body: { add: [{ range: '127.0.0.9', note: 'ci runner' }] } });
  assert.equal(write.status, 200, write.text);
  assert.notEqual((await curlFrom('127.0.0.70', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  assert.equal((await curlFrom('127.0.0.2', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  const whoami = (await adminRequest(fx.adminUrl, 'GET', '/v1/whoami', { token: READ_TOKEN })).json as { actor: string; scope: string };
  assert.deepEqual([whoami.actor, whoami.scope], ['dashboard-ro', 'read']);

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', reducedMotion: 'reduce' });
  t.after(() => context.close());
  const page = await context.newPage();
  await signIn(page, fx.adminUrl, READ_TOKEN);
  await page.getByTestId('who').filter({ hasText: 'dashboard-ro (read)' }).waitFor();
  const reason = page.getByTestId('read-only-reason');
  await reason.filter({ hasText: /signed in as dashboard-ro, a token of scope read.*403 ERR_FORBIDDEN/ }).waitFor();
  await page.getByTestId('overview-authorized').filter({ hasText: '4' }).waitFor();

  await open(page, 'ranges');
  const table = page.getByTestId('ranges-table');
  await table.getByRole('row').filter({ hasText: 'ci runner' }).waitFor();
  await table.getByRole('row').filter({ hasText: '127.0.0.2/32' }).getByTestId('entry-matched').filter({ hasText: /^public 1× / }).waitFor();
  await page.getByTestId('range-input').fill('127.0.0.80');
  await page.getByText('Valid range.').waitFor();
  const add = page.getByTestId('range-add');
  assert.equal(await add.isDisabled(), true, 'a valid entry still cannot be previewed with a read token');
  assert.match((await add.getAttribute('title')) ?? '', /scope read/);
  assert.equal(await add.getAttribute('aria-describedby'), 'read-only-reason');
  const removes = table.getByRole('button', { name: /^Remove / });
  assert.equal(await removes.count(), 4);
  for (const button of await removes.all()) assert.equal(await button.isDisabled(), true, 'every Remove is disabled');
  assert.equal(await reason.isVisible(), true);
  await noSeriousViolations(page, 'ranges (read scope)');
  await page.screenshot({ path: join(SHOTS, 'ranges-read-only.png'), fullPage: true });

  await open(page, 'refusals');
  const refused = page.getByTestId('refusals-table').getByRole('row').filter({ hasText: '127.0.0.70' });
  await refused.waitFor();
  assert.equal(await refused.getByTestId('refusal-allow').isDisabled(), true, 'one-click allow is disabled');
  assert.equal(await reason.isVisible(), true);

  await open(page, 'map');
  const map = page.getByTestId('ipv4-map');
  await page.locator('.legend li[data-entry="198.51.100.0/24"]').waitFor();
  await map.focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="ipv4-map"][data-octet="0"]').waitFor();
  await page.keyboard.press('ArrowRight');
  const allowCell = page.getByRole('button', { name: /^Allow 0\.0\.\d+\.0\/24…$/ });
  await allowCell.waitFor();
  assert.equal(await allowCell.isDisabled(), true, "the map's allow button is disabled");

  await open(page, 'history');
  await page.getByTestId('history-table').getByRole('row').filter({ hasText: 'ops' }).filter({ hasText: '127.0.0.9' }).waitFor();

  await open(page, 'export');
  await page.getByTestId('export-target-custom').check();
  await page.locator('#export-limit').fill('2');
  await page.getByTestId('export-list').filter({ hasText: /\/\d+/ }).waitFor();

  // A write sent anyway, from the page with its token, is refused by the API; the profile is unchanged.
  const before = (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).headers['etag'];
  for (const path of ['/v1/profile', '/v1/profile?dryRun=true']) {
    const answer = (await page.evaluate(`fetch(${JSON.stringify(path)}, { method: 'PATCH', headers: { authorization: 'Bearer ' + sessionStorage.getItem('ipgate.token'), 'content-type': 'application/json' }, body: JSON.stringify({ add: ['127.0.0.81'] }) }).then(async (r) => [r.status, await r.json()])`)) as [number, { code: string }];
    assert.equal(answer[0], 403, path);
    assert.equal(answer[1].code, 'ERR_FORBIDDEN', path);
  }
  assert.equal((await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).headers['etag'], before, 'nothing changed');

  // The same page signed in with the write token: the scope whoami reports enables the changes.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, fx.adminUrl, fx.token);
  await page.getByTestId('who').filter({ hasText: 'ops (write)' }).waitFor();
  await open(page, 'ranges');
  await page.getByTestId('range-input').fill('127.0.0.80');
  await page.getByText('Valid range.').waitFor();
  await page.waitForFunction('!document.querySelector("[data-testid=range-add]").disabled');
  assert.equal(await page.getByTestId('read-only-reason').count(), 0);
});

test('over the admin API\'s HTTPS: sign in, a change through the review, the CSP holds and no request leaves the admin origin', async (t) => {
  let certs: AdminCerts | undefined;
  const fx = await gatewayFixture(
    () => ({
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      admin: { address: '127.0.0.1:0', tokenFile: 'admin.token', tls: { certFile: 'admin.crt', keyFile: 'admin.key' } },
      store: { file: 'state/profile.json' },
      profile: { authorizedIpRanges: ['127.0.0.1/32', '127.0.0.2/32'], egressIpRanges: [] },
    }),
    async (dir) => {
      certs = await makeAdminCerts(dir);
      await copyFile(certs.server.cert, join(dir, 'admin.crt'));
      await copyFile(certs.server.key, join(dir, 'admin.key'));
    },
  );
  t.after(() => fx.close());
  assert.ok(certs !== undefined);
  assert.match(fx.adminUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  // This browser accepts the admin API's certificate (by its key) and no other untrusted one.
  const tlsBrowser = await launchChromium([trustCertificateArg(await readFile(certs.server.cert, 'utf8'))]);
  t.after(() => tlsBrowser.close());
  const context = await tlsBrowser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  const requests: string[] = [];
  const cspReports: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspReports.push(m.text());
  });
  const response = await page.goto(`${fx.adminUrl}/ui/`);
  assert.ok(response !== null);
  assert.equal(response.status(), 200);
  const csp = response.headers()['content-security-policy'] ?? '';
  for (const part of ["default-src 'none'", "script-src 'self'", "connect-src 'self'"]) assert.ok(csp.includes(part), csp);
  assert.equal(await page.evaluate('window.isSecureContext'), true);
  await page.getByTestId('token-input').fill(fx.token);
  await page.getByTestId('token-input').press('Enter');
  await page.getByTestId('overview-authorized').filter({ hasText: '2' }).waitFor();
  await open(page, 'ranges');
  await page.getByTestId('range-input').fill('127.0.0.7');
  await page.getByTestId('range-add').click();
  await page.getByRole('list', { name: 'Changes' }).getByText('127.0.0.7', { exact: true }).waitFor();
  await page.getByTestId('diff-apply').click();
  await page.getByRole('status').filter({ hasText: 'Applied' }).waitFor();
  const ok = await curlFrom('127.0.0.7', fx.port(), { cacert: fx.upstream.cert });
  assert.equal(ok.code, 0, ok.stderr);
  await noSeriousViolations(page, 'ranges over HTTPS');
  const origin = new URL(fx.adminUrl).origin;
  assert.deepEqual(requests.filter((u) => new URL(u).origin !== origin), []);
  assert.ok(requests.some((u) => u.startsWith(`${origin}/v1/`)), 'the API was called over HTTPS');
  assert.deepEqual(cspReports, []);
});

test('with the HAProxy data plane, Refusals says refusals are not reported and the matched column says why it is empty', async (t) => {
  const fx = await haproxyGatewayFixture(t);
  const port = fx.port();
  assert.equal((await curlFrom('127.0.0.2', port, { cacert: fx.upstream.cert })).code, 0);
  assert.notEqual((await curlFrom('127.0.0.3', port, { cacert: fx.upstream.cert })).code, 0);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  t.after(() => context.close());
  const page = await context.newPage();
  await signIn(page, fx.adminUrl, fx.token);
  await open(page, 'refusals');
  await page.getByTestId('refusals-unsupported').filter({ hasText: /does not report refused sources one by one: .*HAProxy/ }).waitFor();
  assert.equal(await page.getByTestId('refusals-table').count(), 0);
  await noSeriousViolations(page, 'refusals (HAProxy)');
  await open(page, 'ranges');
  const cell = page.getByTestId('ranges-table').getByRole('row').filter({ hasText: '127.0.0.2/32' }).getByTestId('entry-matched');
  await cell.filter({ hasText: /^—$/ }).waitFor();
  assert.match((await cell.locator('span').getAttribute('title')) ?? '', /HAProxy or nftables/);
});
