/**
 * The answers of `/healthz`, `/readyz` and `/metrics`, shared by the admin API and the metrics listener
 * (`metrics.address`, which serves them without a token).
 */
import type { ProfileStore } from '../store/types.js';
import { json, type AdminResponse } from './response.js';

export interface HealthDeps {
  readonly store: ProfileStore;
  readonly metrics: () => Promise<{ contentType: string; text: string }>;
  readonly ready: () => boolean;
}

export const HEALTH_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics'];

/** The answer for one of HEALTH_PATHS, else undefined. */
export async function healthAnswer(path: string, deps: HealthDeps): Promise<AdminResponse | undefined> {
  if (path === '/healthz') return json(200, { status: 'ok' });
  if (path === '/readyz') {
    if (!deps.ready()) return json(503, { status: 'not ready' });
    // A degraded shared store still leaves a working gateway (the last good profile is enforced).
    const health = deps.store.health?.();
    if (health !== undefined && !health.up) return json(200, { status: 'degraded', store: { up: false, detail: health.detail ?? null } });
    return json(200, { status: 'ready' });
  }
  if (path === '/metrics') {
    const m = await deps.metrics();
    return { status: 200, headers: { 'content-type': m.contentType }, body: m.text };
  }
  return undefined;
}
