/**
 * Every error ipgate reports to a user is an IpgateError: a stable `code` (ERR_...), the `input` it is
 * about, a message that names that input, and where possible a `suggestion` that fixes it.
 * Error objects are data: `toJSON()` gives the fields without a stack.
 */
export interface IpgateErrorData {
  readonly code: string;
  readonly input?: string;
  readonly position?: number;
  readonly message: string;
  readonly suggestion?: string;
}

export interface IpgateErrorOptions {
  readonly input?: string;
  readonly position?: number;
  readonly suggestion?: string;
  readonly cause?: unknown;
}

export class IpgateError extends Error {
  readonly code: string;
  readonly input: string | undefined;
  readonly position: number | undefined;
  readonly suggestion: string | undefined;

  constructor(code: string, message: string, options: IpgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IpgateError';
    this.code = code;
    this.input = options.input;
    this.position = options.position;
    this.suggestion = options.suggestion;
  }

  toJSON(): IpgateErrorData {
    return {
      code: this.code,
      ...(this.input === undefined ? {} : { input: this.input }),
      ...(this.position === undefined ? {} : { position: this.position }),
      message: this.message,
      ...(this.suggestion === undefined ? {} : { suggestion: this.suggestion }),
    };
  }
}

export function isIpgateError(value: unknown): value is IpgateError {
  return value instanceof IpgateError;
}
