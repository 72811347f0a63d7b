import type { Address, Range } from './types.js';

export interface Matcher<E = string> {
  /** Whether any range contains the address (a string is parsed strictly, as parseAddress does). */
  has(address: string | Address): boolean;
  /** The most specific matching entry as it was given, or undefined. */
  match(address: string | Address): E | undefined;
  /** Number of entries. */
  readonly size: number;
}

/** Compiles ranges (strings as written, or parsed Range objects) into a fast matcher. */
export function compileMatcher(ranges: Iterable<string | Range>): Matcher<string> {
  void ranges;
  throw new Error('not implemented');
}
