/**
 * Source entries in `sourceIpRanges`: a CIDR (or bare address), or a reference to a published range list
 * such as `azure:AzureDevOps` or `github:actions`. References are resolved by a SourceResolver passed to the
 * planner; without one (or when it does not know the reference) the entry stays unresolved and every
 * verdict that depends on it is "unknown", never "reachable".
 */
import { IpgateError } from '../errors.js';
import { parseRange } from '../cidr/parse.js';
import type { Range } from '../cidr/types.js';

export interface SourceReference {
  /** As written: `azure:AzureDevOps`. */
  readonly text: string;
  /** `azure` */
  readonly provider: string;
  /** `AzureDevOps` */
  readonly name: string;
}

export type SourceEntry =
  | { readonly kind: 'range'; readonly text: string; readonly range: Range }
  | { readonly kind: 'reference'; readonly text: string; readonly reference: SourceReference };

/** A reference's ranges (and, for an Azure service tag, the tag's name), or why they are not known. */
export type ResolvedSource = { readonly ranges: readonly Range[]; readonly serviceTag?: string } | { readonly problem: string };

/** Turns a reference into its ranges, or says why it cannot (unknown name, no data offline); undefined: not known at all. */
export type SourceResolver = (reference: SourceReference) => ResolvedSource | undefined;

/** `<source>:<selector>` as in profiles (`azure:AzureDevOps`, `aws:service=EC2,region=eu-west-1`, `office:`). */
const REFERENCE = /^([A-Za-z][A-Za-z0-9_-]{0,63}):(.*)$/;
/** Spelt like an address or range (judged by the range parser, never a reference): `fe80::1%eth0`, `dead:beef`. */
const ADDRESS_LIKE = /^[0-9A-Fa-f.:]*:[0-9A-Fa-f.:]*(?:%[^/]*)?(?:\/.*)?$/;

/**
 * Classifies one entry. A CIDR is parsed strictly; text of the form `provider:Name` that is not an address
 * is a reference; anything else throws the parser's IpgateError (with its suggestion).
 */
export function classifySource(text: string): SourceEntry {
  try {
    return { kind: 'range', text, range: parseRange(text) };
  } catch (error) {
    const m = ADDRESS_LIKE.test(text) && !/^[0-9A-Fa-f]+:$/.test(text) ? null : REFERENCE.exec(text);
    if (m !== null && m[1] !== undefined && m[2] !== undefined) {
      return { kind: 'reference', text, reference: { text, provider: m[1], name: m[2] } };
    }
    if (error instanceof IpgateError) throw error;
    throw new IpgateError('ERR_RANGE_SYNTAX', `Cannot parse ${JSON.stringify(text)} as an IP range or a range reference (provider:Name)`, { input: text });
  }
}

/** The resolver used when none is given: it resolves nothing. */
export const resolveNothing: SourceResolver = () => undefined;
