/** An admin API failure: HTTP status, stable code, message and, for bad entries, one error per entry. */
export interface EntryError {
  readonly entry: string;
  readonly code: string;
  readonly message: string;
  readonly suggestion?: string;
  readonly field?: string;
  readonly index?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: readonly EntryError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { code: string; message: string; errors?: readonly EntryError[] } {
    return { code: this.code, message: this.message, ...(this.errors.length > 0 ? { errors: this.errors } : {}) };
  }
}
