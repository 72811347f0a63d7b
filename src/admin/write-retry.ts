/**
 * A write without If-Match asked for no precondition, so a compare-and-swap lost to another writer (another
 * instance on the same etcd, an edit of the store file) is not the caller's problem: the write is read and
 * applied again on the fresh profile, a bounded number of times with a little random backoff (so two
 * instances do not keep colliding in step). A write with If-Match is never retried: its 412 is the answer.
 */
import { IpgateError } from '../errors.js';
import { ApiError } from './api-error.js';

export interface RetryPolicy {
  /** Attempts in all (the first one included). */
  readonly attempts: number;
  /** Backoff before attempt n+1 is random in [0, min(maxDelayMs, baseDelayMs * 2^n)). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const WRITE_RETRY: RetryPolicy = { attempts: 16, baseDelayMs: 5, maxDelayMs: 250 };

function lostRace(error: unknown): boolean {
  return error instanceof IpgateError && error.code === 'ERR_PRECONDITION';
}

/** Runs `attempt` until it does not lose a compare-and-swap race; 409 ERR_WRITE_CONFLICT after `policy.attempts`. */
export async function retryLostRaces<T>(attempt: () => Promise<T>, policy: RetryPolicy = WRITE_RETRY, random: () => number = Math.random): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!lostRace(error)) throw error;
      if (n >= policy.attempts) {
        throw new ApiError(
          'ERR_WRITE_CONFLICT',
          `The profile kept changing under this write (${n} attempts, each lost to a concurrent change); nothing was changed: retry, or send If-Match to change only a version you have read`,
        );
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * ceiling)));
    }
  }
}
