/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real `ipgate serve`
 * with the demo TLS upstream and a range source: sign-in, adding an entry with a note and an expiry through
 * the dry-run review (then curl from that address reaches the upstream, and the Ranges page shows which
 * listener's traffic it matched), an ETag conflict made by the CLI, the map's pixels (entries, a reference's
 * expansion in its source's colour, refused sources), a refused curl allowed with one click, the history,
 * the export, axe-core on every page, the CSP header, and no request to any other origin. Screenshots of
 * each page go to a scratch folder, or to docs/ui/ with IPGATE_SCREENSHOTS=docs/ui.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expandProfile } from '../src/sources/expand.js';
import { planExport } from '../src/sources/export-plan.js';
import { formatRange } from '../src/cidr/format.js';
import { cellOf } from '../ui/src/ipv4-map.js';
import { PALETTE, SOURCE_PALETTE } from '../ui/src/palette.js';
import { axeViolations, launchChromium, screenshotDir } from './helpers/browser.js';
import { adminRequest, curlFrom } from './helpers/clients.js';
import { runIpgate } from './helpers/ipgate.js';
import { gatewayFixture, type GatewayFixture } from './helpers/setup.js';

const SHOTS = screenshotDir();
const INITIAL = ['127.0.0.1/32', '127.0.0.2/32', '20.0.0.0/16', '198.51.100.0/24', 'office:', '2001:db8:1::/48'];
/** The range source `office`: what `office:` expands to (two IPv4 prefixes and one IPv6). */
const OFFICE = ['45.10.0.0/16', '45.11.0.0/17', '2001:db8:ff::/48'];

let fx: GatewayFixture;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];
const cspReports: string[] = [];

before(async () => {
  fx = await gatewayFixture(
    () => ({
      listeners: [{ name: 'public', address: '127.0.0.1:0' }],
      sources: [{ name: 'office', type: 'text', file: 'office.txt', refresh: '24h' }],
      store: { file: 'state/profile.json' },
      profile: { authorizedIpRanges: INITIAL, egressIpRanges: [] },
    }),
    (dir) => writeFile(join(dir, 'office.txt'), `${OFFICE.join('\n')}\n`),
  );
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', reducedMotion: 'reduce' });
  context.on('request', (r) => requests.push(r.url()));
  page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspReports.push(m.text());
  });
});

after(async () => {
  await browser?.close();
  await fx?.close();
});

async function audit(name: string): Promise<void> {
  const serious = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `axe-core on ${name}`);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function open(nav: string): Promise<void> {
  await page.getByTestId(`nav-${nav}`).click();
  await page.locator('h1', { hasText: new RegExp(`^${nav}$`, 'i') }).waitFor();
}

test('the dashboard is served with a strict CSP and security headers; unknown files are 404', async () => {
  const r = await adminRequest(fx.adminUrl, 'GET', '/ui/');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  const csp = String(r.headers['content-security-policy']);
  for (const part of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) {
    assert.ok(csp.includes(part), `CSP has ${part}: ${csp}`);
  }
  assert.ok(!csp.includes('unsafe'), csp);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.doesNotMatch(r.text, /<script>|<style>|\sstyle=|\son\w+=/i, 'nothing inline in index.html');
  const redirect = await adminRequest(fx.adminUrl, 'GET', '/ui');
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers['location'], '/ui/');
  const missing = await adminRequest(fx.adminUrl, 'GET', '/ui/nothing.js');
  assert.equal(missing.status, 404);
  assert.equal((missing.json as { code: string }).code, 'ERR_NOT_FOUND');
  const sub = await adminRequest(fx.adminUrl, 'GET', '/ui/src/hilbert.js');
  assert.equal(sub.status, 404, 'only the built top-level files are served');
  const post = await adminRequest(fx.adminUrl, 'POST', '/ui/', { body: {} });
  assert.equal(post.status, 405);
});

test('sign in: a wrong token is refused, the right one (Enter) opens the overview; the token stays out of URLs', async () => {
  await page.goto(`${fx.adminUrl}/ui/`);
  await page.getByTestId('token-input').fill('not-the-token');
  await page.getByTestId('token-input').press('Enter');
  await page.getByRole('alert').filter({ hasText: 'ERR_UNAUTHORIZED' }).waitFor();
  await audit('sign-in');
  await page.getByTestId('token-input').fill(fx.token);
  await page.getByTestId('token-input').press('Enter');
  await page.getByTestId('nav-overview').waitFor();
  assert.equal(await page.evaluate("sessionStorage.getItem('ipgate.token')"), fx.token);
  await page.getByTestId('overview-authorized').filter({ hasText: String(INITIAL.length) }).waitFor();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
  await page.locator('.card', { hasText: 'Listeners' }).getByRole('cell', { name: 'public' }).waitFor().catch(() => undefined);
  await audit('overview');
  assert.ok(requests.every((u) => !u.includes(fx.token)), 'the token is never in a URL');
});

test('ranges: inline validation as you type, then add (with a note and an expiry) through the dry-run review; curl from the address gets through and is shown as matched', async () => {
  await open('ranges');
  await page.getByTestId('ranges-table').waitFor();
  const input = page.getByTestId('range-input');
  await input.fill('127.0.0.7/24');
  await page.getByText('ERR_HOST_BITS').waitFor();
  assert.equal(await page.getByTestId('range-add').isDisabled(), true, 'an invalid entry cannot be previewed');
  await page.getByRole('button', { name: 'Use 127.0.0.0/24' }).waitFor();
  const before = await curlFrom('127.0.0.7', fx.port(), { cacert: fx.upstream.cert });
  assert.notEqual(before.code, 0, 'refused before the change');
  await input.fill('127.0.0.7');
  await page.getByText('Valid range.').waitFor();
  await page.locator('#note-input').fill('build runner');
  await page.locator('#expiry-input').selectOption('8 hours');
  await page.getByTestId('range-add').click();
  const change = page.getByRole('list', { name: 'Changes' }).getByRole('listitem').filter({ hasText: '127.0.0.7' });
  await change.getByText('127.0.0.7', { exact: true }).waitFor();
  await change.getByText(/build runner — expires /).waitFor();
  await audit('ranges-review');
  await page.getByTestId('diff-apply').click();
  await page.getByRole('status').filter({ hasText: 'Applied' }).waitFor();
  const row = page.getByTestId('ranges-table').getByRole('row').filter({ hasText: '127.0.0.7' });
  await row.getByText('127.0.0.7', { exact: true }).waitFor();
  const ok = await curlFrom('127.0.0.7', fx.port(), { cacert: fx.upstream.cert });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.body, /gitVersion/);
  await row.getByText('build runner').waitFor();
  await row.getByText(/^in 7 h 5\d min$/).waitFor();
  const stored = (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).json as { authorizedIpRanges: unknown[] };
  const entry = stored.authorizedIpRanges.find((e) => typeof e === 'object' && (e as { range: string }).range === '127.0.0.7') as { note: string; expires: string };
  assert.equal(entry.note, 'build runner');
  const left = Date.parse(entry.expires) - Date.now();
  assert.ok(left > 7.9 * 3600_000 && left <= 8 * 3600_000, `expires in 8 hours (${left} ms)`);
  // Which listener's traffic each entry matched: the curl above, on listener public; 127.0.0.2 saw none.
  const matches = (await adminRequest(fx.adminUrl, 'GET', '/v1/matches', { token: fx.token })).json as { available: boolean; matches: Array<{ listener: string; entry: string; count: number }> };
  assert.deepEqual(matches.matches.map((m) => `${m.listener} ${m.entry} ${m.count}`), ['public 127.0.0.7 1']);
  await page.reload();
  const matched = page.getByTestId('ranges-table').getByRole('row').filter({ hasText: '127.0.0.7' }).getByTestId('entry-matched');
  await matched.filter({ hasText: /^public 1× (just now|\d+ s ago)$/ }).waitFor();
  const idle = page.getByTestId('ranges-table').getByRole('row').filter({ hasText: '127.0.0.2/32' }).getByTestId('entry-matched');
  assert.equal(await idle.innerText(), 'none');
  await audit('ranges');
});

test('a change made from the CLI meanwhile is shown as a conflict; reload and reapply keeps both', async () => {
  await page.reload();
  await page.getByTestId('ranges-table').waitFor();
  const cli = await runIpgate(['ranges', 'add', '127.0.0.9', '--server', fx.adminUrl, '--token-file', join(fx.dir, 'admin.token')]);
  assert.equal(cli.code, 0, cli.stderr);
  await page.getByTestId('range-input').fill('127.0.0.8');
  await page.getByTestId('range-add').click();
  await page.getByTestId('etag-conflict').waitFor();
  await audit('ranges-conflict');
  await page.getByRole('button', { name: 'Reload and reapply' }).click();
  await page.getByRole('list', { name: 'Changes' }).getByText('127.0.0.8', { exact: true }).waitFor();
  await page.getByTestId('diff-apply').click();
  await page.getByRole('status').filter({ hasText: 'Applied' }).waitFor();
  const profile = (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).json as { authorizedIpRanges: unknown[] };
  const texts = profile.authorizedIpRanges.map((e) => (typeof e === 'string' ? e : (e as { range: string }).range));
  assert.ok(texts.includes('127.0.0.8') && texts.includes('127.0.0.9'), JSON.stringify(texts));
});

test('the map paints each entry in its colour on its Hilbert cell, a reference\'s expansion in its source\'s colour, and zooms to /24s', async () => {
  await open('map');
  const map = page.getByTestId('ipv4-map');
  await map.waitFor();
  const pixel = async (address: number): Promise<number[]> => {
    const zoomed = await map.getAttribute('data-octet');
    const cell = cellOf(zoomed === '' || zoomed === null ? {} : { octet: Number(zoomed) }, address);
    assert.ok(cell !== undefined);
    return page.evaluate(`[...document.querySelector('[data-testid="ipv4-map"]').getContext('2d').getImageData(${cell[0]}, ${cell[1]}, 1, 1).data]`) as Promise<number[]>;
  };
  const hex = (h: string): number[] => [Number.parseInt(h.slice(1, 3), 16), Number.parseInt(h.slice(3, 5), 16), Number.parseInt(h.slice(5, 7), 16), 255];
  const index = INITIAL.indexOf('20.0.0.0/16');
  await page.locator('.legend li').first().waitFor();
  assert.deepEqual(await pixel(20 * 2 ** 24), hex(PALETTE[index] ?? ''), '20.0.0.0/16 is one full cell in its colour');
  const empty = await pixel(21 * 2 ** 24);
  assert.ok(!PALETTE.some((p) => JSON.stringify(hex(p)) === JSON.stringify(empty)), 'an uncovered cell is background');
  // office: expands to 45.10.0.0/16 (one full cell) and 45.11.0.0/17 (half a cell: pale), in the source's colour.
  await page.locator('.legend li[data-entry="office:"]').filter({ hasText: 'source office: 2 IPv4 prefixes drawn, 1 IPv6 not drawn' }).waitFor();
  await page.locator('.legend li[data-entry="2001:db8:1::/48"]').filter({ hasText: '(IPv6: not drawn)' }).waitFor();
  await page.getByText('IPv6 is out of the map by design').waitFor();
  const sourceColour = hex(SOURCE_PALETTE[0]);
  assert.deepEqual(await pixel(45 * 2 ** 24 + 10 * 2 ** 16), sourceColour, "45.10.0.0/16 of office: is one full cell in the source's colour");
  const half = await pixel(45 * 2 ** 24 + 11 * 2 ** 16);
  assert.notDeepEqual(half, sourceColour, 'a /17 covers its cell in part');
  assert.notDeepEqual(half, empty, 'a /17 is drawn');
  const hoverCell = async (address: number): Promise<void> => {
    const c = cellOf({}, address);
    const b = await map.boundingBox();
    assert.ok(c !== undefined && b !== null);
    await map.hover({ position: { x: ((c[0] + 0.5) * b.width) / 256, y: ((c[1] + 0.5) * b.height) / 256 } });
  };
  await hoverCell(45 * 2 ** 24 + 10 * 2 ** 16);
  await page.locator('#map-cell').getByText('Covered by office: (its prefix 45.10.0.0/16, from source office).').waitFor();
  await page.getByTestId('map-verdict').filter({ hasText: '45.10.0.0: allowed (authorized, by 45.10.0.0/16 from office:)' }).waitFor();
  // A refused source is a dot: 127.0.0.66 is refused by the gateway, then drawn on its cell.
  assert.notEqual((await curlFrom('127.0.0.66', fx.port(), { cacert: fx.upstream.cert })).code, 0);
  await page.reload();
  await map.waitFor();
  const dot = cellOf({}, 127 * 2 ** 24 + 66);
  assert.ok(dot !== undefined);
  await page.locator(`svg.map-overlay circle.refused-dot[cx="${dot[0] + 0.5}"][cy="${dot[1] + 0.5}"]`).first().waitFor();
  await map.hover({ position: { x: 2, y: 2 } });
  await page.getByTestId('map-verdict').filter({ hasText: /allowed|refused/ }).waitFor();
  await map.focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="ipv4-map"][data-octet="0"]').waitFor();
  await page.keyboard.press('Escape');
  // Zoom into 198.0.0.0/8 by clicking the cell of 198.51.0.0/16: 198.51.100.0/24 is then a full cell.
  const top = cellOf({}, 198 * 2 ** 24 + 51 * 2 ** 16);
  assert.ok(top !== undefined);
  const box = await map.boundingBox();
  assert.ok(box !== null);
  await map.click({ position: { x: ((top[0] + 0.5) * box.width) / 256, y: ((top[1] + 0.5) * box.height) / 256 } });
  await page.locator('[data-testid="ipv4-map"][data-octet="198"]').waitFor();
  const i198 = INITIAL.indexOf('198.51.100.0/24');
  assert.deepEqual(await pixel(198 * 2 ** 24 + 51 * 2 ** 16 + 100 * 256), hex(PALETTE[i198] ?? ''));
  await audit('map-zoomed');
  await map.focus();
  await page.keyboard.press('Escape');
  await page.locator('[data-testid="ipv4-map"][data-octet=""]').waitFor();
  await hoverCell(45 * 2 ** 24 + 10 * 2 ** 16);
  await page.getByTestId('map-verdict').filter({ hasText: 'from office:' }).waitFor();
  await audit('map');
});

test('export: the condensed list of the API, and the AKS rule shown as the API words it', async () => {
  await open('export');
  const aks = await adminRequest(fx.adminUrl, 'GET', '/v1/export?target=aks', { token: fx.token });
  assert.equal(aks.status, 400, 'AKS takes neither IPv6 nor private ranges');
  await page.getByText((aks.json as { code: string }).code).waitFor();
  await page.getByTestId('export-target-custom').check();
  await page.locator('#export-limit').fill('2');
  const profile = (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).json as { authorizedIpRanges: string[]; egressIpRanges: string[] };
  // The reference as the source expands it (the file above), every other entry as it is.
  const plain = { authorizedIpRanges: profile.authorizedIpRanges.map((e) => (typeof e === 'string' ? e : (e as { range: string }).range)).flatMap((e) => (e === 'office:' ? OFFICE : [e])), egressIpRanges: [] };
  const expected = planExport(expandProfile(plain, []), { target: 'ipgate', max: 2 }).ranges.map(formatRange);
  await page.getByTestId('export-list').filter({ hasText: expected.join('\n') }).waitFor();
  assert.equal(await page.getByTestId('export-list').innerText(), expected.join('\n'));
  await audit('export');
});

test('history: every change with its actor and diff, filtered by entry and by actor', async () => {
  await open('history');
  const table = page.getByTestId('history-table');
  await table.getByText('127.0.0.9', { exact: true }).waitFor();
  const rows = table.locator('tbody tr');
  assert.ok((await rows.count()) >= 3, 'the UI add, the CLI add and the reapplied add');
  await page.locator('#history-entry').fill('127.0.0.8');
  await page.waitForFunction('document.querySelectorAll("[data-testid=history-table] tbody tr").length === 1');
  assert.match(await rows.first().innerText(), /admin-api[\s\S]*127\.0\.0\.8/);
  await page.locator('#history-entry').fill('');
  const actors = await page.locator('#history-actor option').allInnerTexts();
  assert.ok(actors.length >= 2, `actors offered: ${actors.join(', ')}`);
  await page.locator('#history-actor').selectOption({ index: 1 });
  await audit('history');
});

test('refusals: a refused curl is listed, and allowed with one click through the review with an expiry; the same curl then gets through', async () => {
  const refused = await curlFrom('127.0.0.67', fx.port(), { cacert: fx.upstream.cert });
  assert.notEqual(refused.code, 0, 'refused before');
  await open('refusals');
  const row = page.getByTestId('refusals-table').getByRole('row').filter({ hasText: '127.0.0.67' });
  await row.getByRole('cell', { name: 'public', exact: true }).waitFor();
  await row.getByRole('cell', { name: 'not-authorized', exact: true }).waitFor();
  await row.getByTestId('refusal-now').filter({ hasText: /^refused \(not-authorized\)$/ }).waitFor();
  // 127.0.0.7, refused before it was added on the Ranges page, is allowed now: explain says so.
  await page.getByTestId('refusals-table').getByRole('row').filter({ hasText: '127.0.0.7' }).getByTestId('refusal-now').filter({ hasText: /^allowed \(authorized, by 127\.0\.0\.7(\/32)?\)$/ }).waitFor();
  await audit('refusals');
  await page.locator('#allow-hours').selectOption('24');
  await row.getByTestId('refusal-allow').click();
  const change = page.getByRole('list', { name: 'Changes' }).getByRole('listitem').filter({ hasText: '127.0.0.67' });
  await change.getByText('127.0.0.67', { exact: true }).waitFor();
  await change.getByText(/— expires /).waitFor();
  await page.getByTestId('diff-apply').click();
  await page.getByRole('status').filter({ hasText: 'Applied' }).waitFor();
  const stored = (await adminRequest(fx.adminUrl, 'GET', '/v1/profile', { token: fx.token })).json as { authorizedIpRanges: unknown[] };
  const entry = stored.authorizedIpRanges.find((e) => typeof e === 'object' && (e as { range: string }).range === '127.0.0.67') as { expires: string } | undefined;
  assert.ok(entry !== undefined, JSON.stringify(stored));
  const left = Date.parse(entry.expires) - Date.now();
  assert.ok(left > 23.9 * 3600_000 && left <= 24 * 3600_000, `expires in 24 hours (${left} ms)`);
  const ok = await curlFrom('127.0.0.67', fx.port(), { cacert: fx.upstream.cert });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.body, /gitVersion/);
});

test('dark theme toggle, and no request left the admin origin, no CSP violation', async () => {
  await page.getByTestId('theme-toggle').click();
  assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
  await open('overview');
  await page.getByTestId('overview-authorized').waitFor();
  await audit('overview-dark');
  const origin = new URL(fx.adminUrl).origin;
  const foreign = requests.filter((u) => new URL(u).origin !== origin);
  assert.deepEqual(foreign, []);
  assert.ok(requests.length > 10, `requests recorded (${requests.length})`);
  assert.deepEqual(cspReports, []);
});
