/**
 * An admin API failure: stable code, message and, for bad entries, one error per entry. Its HTTP status is
 * the catalogue's for the code (src/errors/catalogue.ts), so a code answers with the same status wherever
 * it is raised.
 */
import { httpStatus, type ErrorCode } from '../errors/catalogue.js';

export interface EntryError {
  readonly entry: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly suggestion?: string;
  readonly field?: string;
  readonly index?: number;
}

export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: readonly EntryError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = httpStatus(code);
  }

  toJSON(): { code: ErrorCode; message: string; errors?: readonly EntryError[] } {
    return { code: this.code, message: this.message, ...(this.errors.length > 0 ? { errors: this.errors } : {}) };
  }
}
