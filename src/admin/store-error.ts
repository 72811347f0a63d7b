/**
 * A store's refusal as an admin API answer. The store's own code and message are passed through unchanged:
 * only the store knows whether a failed write was applied (ERR_STORE_UNAVAILABLE: it was not;
 * ERR_STORE_OUTCOME_UNKNOWN: it may have been), so the answer never claims more than the store said.
 */
import type { IpgateError } from '../errors.js';
import { json, type AdminResponse } from './response.js';

const STATUS: Readonly<Record<string, number>> = {
  ERR_PRECONDITION: 412,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_STORE_OUTCOME_UNKNOWN: 503,
};

/** The HTTP status of a store or validation error code (400 for anything the caller's input caused). */
export function storeErrorStatus(code: string): number {
  return STATUS[code] ?? 400;
}

export function storeErrorResponse(error: IpgateError): AdminResponse {
  return json(storeErrorStatus(error.code), {
    code: error.code,
    message: error.message,
    ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }),
  });
}
