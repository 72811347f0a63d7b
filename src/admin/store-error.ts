/**
 * A store's refusal as an admin API answer. The store's own code and message are passed through unchanged:
 * only the store knows whether a failed write was applied (ERR_STORE_UNAVAILABLE: it was not;
 * ERR_STORE_OUTCOME_UNKNOWN: it may have been), so the answer never claims more than the store said.
 */
import type { IpgateError } from '../errors.js';
import { httpStatus, type ErrorCode } from '../errors/catalogue.js';
import { json, type AdminResponse } from './response.js';

/** The HTTP status of a store or validation error code: the catalogue's. */
export function storeErrorStatus(code: ErrorCode): number {
  return httpStatus(code);
}

export function storeErrorResponse(error: IpgateError): AdminResponse {
  return json(storeErrorStatus(error.code), {
    code: error.code,
    message: error.message,
    ...(error.suggestion === undefined ? {} : { suggestion: error.suggestion }),
  });
}
