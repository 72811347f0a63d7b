/**
 * Every error ipgate reports to a user is an IpgateError: a stable `code` from the catalogue
 * (src/errors/catalogue.ts, docs/errors.md), the `input` it is about, a message that names that input, and
 * where possible a `suggestion` that fixes it. Error objects are data: `toJSON()` gives the fields without a
 * stack. CodedError is what all errors shown to a user share, including a gateway's refusal as the CLI
 * receives it, whose code is data from the wire and so a plain string.
 */
import type { ErrorCode } from './errors/catalogue.js';

export type { ErrorCode } from './errors/catalogue.js';

export interface CodedErrorData<Code extends string = string> {
  readonly code: Code;
  readonly input?: string;
  readonly position?: number;
  readonly message: string;
  readonly suggestion?: string;
}

export type IpgateErrorData = CodedErrorData<ErrorCode>;

export interface IpgateErrorOptions {
  readonly input?: string;
  readonly position?: number;
  readonly suggestion?: string;
  readonly cause?: unknown;
}

/** An error shown to a user as one line: its message, then its code, then a suggestion. */
export abstract class CodedError extends Error {
  abstract readonly code: string;
  readonly input: string | undefined;
  readonly position: number | undefined;
  readonly suggestion: string | undefined;

  constructor(message: string, options: IpgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.input = options.input;
    this.position = options.position;
    this.suggestion = options.suggestion;
  }

  toJSON(): CodedErrorData {
    return {
      code: this.code,
      ...(this.input === undefined ? {} : { input: this.input }),
      ...(this.position === undefined ? {} : { position: this.position }),
      message: this.message,
      ...(this.suggestion === undefined ? {} : { suggestion: this.suggestion }),
    };
  }
}

export class IpgateError extends CodedError {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: IpgateErrorOptions = {}) {
    super(message, options);
    this.name = 'IpgateError';
    this.code = code;
  }

  override toJSON(): IpgateErrorData {
    return { ...super.toJSON(), code: this.code };
  }
}

export function isIpgateError(value: unknown): value is IpgateError {
  return value instanceof IpgateError;
}
