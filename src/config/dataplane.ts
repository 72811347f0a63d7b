/** The `dataplane` section of the config: value checks (with key paths) and the validated form. Pure. */
import { isAbsolute, resolve } from 'node:path';
import type { ConfigProblem } from './problems.js';
import type { HaproxyDataplaneConfig } from './types.js';

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const MANAGED_ONLY = ['binary', 'stateDir', 'threads'] as const;
const ATTACH_ONLY = ['socket', 'mapFile', 'frontends'] as const;

/** Problems of a `dataplane` section beyond its shape (which keys each mode needs). */
export function dataplaneProblems(document: Record<string, unknown>): ConfigProblem[] {
  const d = record(document['dataplane']);
  if (d === undefined) return [];
  const problems: ConfigProblem[] = [];
  const missing = (key: string, what: string): void => {
    if (d[key] === undefined) problems.push({ path: `dataplane.${key}`, code: 'ERR_CONFIG_MISSING_KEY', message: `required key is missing (${what})` });
  };
  const misplaced = (keys: readonly string[], mode: string): void => {
    for (const key of keys) {
      if (d[key] !== undefined) problems.push({ path: `dataplane.${key}`, code: 'ERR_CONFIG_VALUE', message: `"${key}" does not apply to mode ${mode}` });
    }
  };
  if (d['mode'] === 'managed') {
    missing('stateDir', "the directory for HAProxy's config, allow map and runtime socket");
    misplaced(ATTACH_ONLY, 'managed');
    const listeners = Array.isArray(document['listeners']) ? (document['listeners'] as unknown[]) : [];
    listeners.forEach((item, i) => {
      const address = record(item)?.['address'];
      if (typeof address === 'string' && /:0$/.test(address)) {
        problems.push({ path: `listeners[${i}].address`, code: 'ERR_CONFIG_VALUE', message: 'HAProxy needs a fixed port (port 0 is not supported with dataplane haproxy)' });
      }
    });
  } else if (d['mode'] === 'attach') {
    missing('socket', 'the HAProxy runtime API socket, "stats socket PATH level admin"');
    missing('mapFile', "the allow map file named in HAProxy's map_ip(...) rules");
    misplaced(MANAGED_ONLY, 'attach');
  }
  for (const key of ['stateDir', 'socket', 'mapFile'] as const) {
    const value = d[key];
    if (typeof value === 'string' && /\s/.test(value)) {
      problems.push({ path: `dataplane.${key}`, code: 'ERR_CONFIG_VALUE', message: "must not contain spaces (HAProxy's runtime API splits on them)" });
    }
  }
  return problems;
}

export interface RawDataplane {
  readonly type: 'haproxy';
  readonly mode: 'managed' | 'attach';
  readonly binary?: string | undefined;
  readonly stateDir?: string | undefined;
  readonly threads?: number | undefined;
  readonly socket?: string | undefined;
  readonly mapFile?: string | undefined;
  readonly frontends?: readonly string[] | undefined;
}

/** The validated form (after dataplaneProblems found nothing); relative paths resolve against `baseDir`. */
export function dataplaneConfig(raw: RawDataplane, baseDir: string): HaproxyDataplaneConfig {
  const abs = (file: string): string => (isAbsolute(file) ? file : resolve(baseDir, file));
  if (raw.mode === 'managed') {
    return {
      type: 'haproxy',
      mode: 'managed',
      binary: raw.binary ?? 'haproxy',
      stateDir: abs(raw.stateDir ?? 'haproxy'),
      ...(raw.threads === undefined ? {} : { threads: raw.threads }),
    };
  }
  return {
    type: 'haproxy',
    mode: 'attach',
    socket: abs(raw.socket ?? ''),
    mapFile: abs(raw.mapFile ?? ''),
    ...(raw.frontends === undefined ? {} : { frontends: raw.frontends }),
  };
}
