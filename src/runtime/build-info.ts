/**
 * What this ipgate is: its version (from the package's own package.json, wherever it is installed: a clone,
 * `npm install -g`, the container image) and the Node.js it runs on. Shown by `ipgate version` and as the
 * `ipgate_build_info` metric, so a fleet's versions can be told apart.
 */
import { readFileSync } from 'node:fs';
import { Gauge, type Registry } from 'prom-client';

export interface BuildInfo {
  readonly version: string;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
}

/** dist/src/runtime/build-info.js -> the package root's package.json. */
const PACKAGE_JSON = new URL('../../../package.json', import.meta.url);

export function buildInfo(): BuildInfo {
  let version = 'unknown';
  try {
    const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') version = pkg.version;
  } catch {
    // A package.json that cannot be read leaves the version unknown; it never stops the process.
  }
  return { version, node: process.version, platform: process.platform, arch: process.arch };
}

export function registerBuildInfo(registry: Registry, info: BuildInfo = buildInfo()): void {
  new Gauge({
    name: 'ipgate_build_info',
    help: 'Always 1; the labels say which ipgate version runs on which Node.js.',
    labelNames: ['version', 'node'] as const,
    registers: [registry],
  }).set({ version: info.version, node: info.node }, 1);
}
