/**
 * The version ipgate runs, read from its package.json (one source for `ipgate --version` and the
 * `ipgate_build_info` metric, so they never disagree with what was installed).
 */
import { readFileSync } from 'node:fs';
import { Gauge, type Registry } from 'prom-client';

/** package.json from dist/src/runtime/ (built) — three folders up is the package root. */
const PACKAGE_JSON = new URL('../../../package.json', import.meta.url);

export function ipgateVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
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
