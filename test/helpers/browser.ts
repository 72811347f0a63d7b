/**
 * A real Chromium (Debian's `chromium` package, installed by scripts/setup.sh) driven by playwright-core, and
 * axe-core run inside the page. The browser binary is found without downloading anything:
 * $IPGATE_CHROMIUM, then Debian's binary, then `chromium` / `chromium-browser` / `google-chrome` on PATH.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the browser tests write their screenshots: a scratch folder, so a test run leaves the checkout as it
 * was; `IPGATE_SCREENSHOTS=docs/ui` refreshes the pictures the docs show.
 */
export function screenshotDir(): string {
  const dir = process.env['IPGATE_SCREENSHOTS'] ?? join(tmpdir(), 'ipgate-ui-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function chromiumPath(): string {
  const fromEnv = process.env['IPGATE_CHROMIUM'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!executable(fromEnv)) throw new Error(`IPGATE_CHROMIUM=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  // Debian's /usr/bin/chromium is a shell wrapper; the binary it starts is this one.
  const candidates = ['/usr/lib/chromium/chromium'];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome']) candidates.push(join(dir, name));
  }
  const found = candidates.find(executable);
  if (found === undefined) throw new Error("no Chromium found: install Debian's chromium package (scripts/setup.sh does) or set IPGATE_CHROMIUM");
  return found;
}

/** `extraArgs`: more command-line switches (e.g. trusting one test certificate by its key). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // The tests run as root in CI, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps', ...extraArgs],
  });
}

/**
 * The switch that makes Chromium accept exactly the certificate whose public key is in `certPem` (by its
 * SPKI SHA-256), and no other untrusted one: a test's own HTTPS server without touching the system's CAs.
 */
export function trustCertificateArg(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`;
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/** axe-core's violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  // Runs in the page (this file is compiled without the DOM types, so the page-side code is text).
  return page.evaluate(`axe.run(document).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')),
  })))`) as Promise<AxeViolation[]>;
}
