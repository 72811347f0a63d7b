/**
 * What this ipgate is: its version, read from the package's own package.json wherever it is installed (a
 * clone, `npm install -g`, the container image), and the Node.js it runs on. One source for `ipgate version`,
 * `ipgate --version`, the fleet view and the `ipgate_build_info` metric, so they never disagree with what was
 * installed.
 */
import { readFileSync } from 'node:fs';
import { Gauge, type Registry } from 'prom-client';

export interface BuildInfo {
  readonly version: string;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
}

/** package.json from dist/src/runtime/ (built) — three folders up is the package root. */
const PACKAGE_JSON = new URL('../../../package.json', import.meta.url);

export function ipgateVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    // A package.json that cannot be read leaves the version unknown; it never stops the process.
    return 'unknown';
  }
}

export function buildInfo(): BuildInfo {
  return { version: ipgateVersion(), node: process.version, platform: process.platform, arch: process.arch };
}

export function registerBuildInfo(registry: Registry): void {
  const info = new Gauge({
    name: 'ipgate_build_info',
    help: 'Always 1; the label version is the ipgate version running.',
    labelNames: ['version'] as const,
    registers: [registry],
  });
  info.set({ version: ipgateVersion() }, 1);
}
