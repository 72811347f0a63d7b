/** Lockout protection (pure): refuse an update that would refuse the caller's own address, allowed now. */
import type { CompiledProfile } from '../policy/decide.js';
import { ApiError } from './api-error.js';

export function checkLockout(current: CompiledProfile, next: CompiledProfile, caller: string, force: boolean): void {
  if (force) return;
  let before: boolean;
  let after: boolean;
  try {
    before = current.decide(caller).allowed;
    after = next.decide(caller).allowed;
  } catch {
    return;
  }
  if (before && !after) {
    throw new ApiError(
      'ERR_LOCKOUT',
      `This update would refuse your own address ${caller}, which is allowed now; add it to the update, or repeat with ?force=true if you mean it`,
      [{ entry: caller, code: 'ERR_LOCKOUT', message: `${caller} would no longer be allowed`, suggestion: `${caller.includes(':') ? `${caller}/128` : `${caller}/32`}` }],
    );
  }
}
