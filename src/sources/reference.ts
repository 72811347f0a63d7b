/**
 * References in a profile: `<source>:<selector>` (`azure:AzureCloud.westeurope`, `aws:service=EC2`,
 * `office:`), or a bare Azure service tag name (`AzureCloud.westeurope`), which AKS accepts and which
 * resolves through the first `azure-service-tags` source. An entry that parses as a range is never a
 * reference (so `fe80::/10` stays an IPv6 range), and neither is one that is spelt like an address or
 * range but does not parse (`fe80::1%eth0`, `fe80::1/64`, `dead:beef`): the range parser judges it, so it
 * gets the same code (ERR_ZONE_ID, ERR_HOST_BITS, ...) in the admin API, the config and `ranges validate`.
 */
import { IpgateError } from '../errors.js';
import { isRange } from '../cidr/parse.js';
import type { Range } from '../cidr/types.js';
import { looksLikeServiceTag } from '../policy/service-tag.js';
import type { Catalogue, SourceType } from './types.js';
import { select } from './select.js';
import { closeMatches, didYouMean } from '../text/suggest.js';

/** Source names: a letter, then letters, digits, `-` or `_` (also used as cache file names). */
export const SOURCE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** What a service tag needs: an azure-service-tags source. The fix, as config text. */
export const AZURE_SOURCE_FIX = 'add a range source under sources: in the gateway\'s config, e.g. { name: azure, type: azure-service-tags, url: https://download.microsoft.com/.../ServiceTags_Public_YYYYMMDD.json, refresh: 24h } (see docs/sources.md), and restart it; or list the tag\'s ranges instead';

export type ParsedReference =
  | { readonly kind: 'reference'; readonly source: string; readonly selector: string }
  | { readonly kind: 'tag'; readonly selector: string };

/**
 * Spelt like an IP address or range: hex digits, dots and colons, then optionally a `%zone` and a `/suffix`.
 * `name:` alone (a whole source, e.g. `cafe:`) is not: no address ends in a single colon.
 */
const ADDRESS_LIKE = /^[0-9A-Fa-f.:]*:[0-9A-Fa-f.:]*(?:%[^/]*)?(?:\/.*)?$/;
const WHOLE_SOURCE = /^[0-9A-Fa-f]+:$/;

export function looksLikeAddress(entry: string): boolean {
  return ADDRESS_LIKE.test(entry) && !WHOLE_SOURCE.test(entry);
}

/** The reference an entry spells, or undefined when the entry is (or is spelt like) a range, or not a reference at all. */
export function parseReference(entry: string): ParsedReference | undefined {
  if (isRange(entry) || looksLikeAddress(entry)) return undefined;
  const colon = entry.indexOf(':');
  if (colon > 0 && SOURCE_NAME.test(entry.slice(0, colon))) {
    return { kind: 'reference', source: entry.slice(0, colon), selector: entry.slice(colon + 1) };
  }
  if (colon < 0 && looksLikeServiceTag(entry)) return { kind: 'tag', selector: entry };
  return undefined;
}

export interface ResolvedReference {
  readonly source: string;
  readonly type: SourceType;
  readonly selector: string;
  readonly ranges: Range[];
}

/** Resolves a parsed reference against the catalogues (config order). Throws ERR_SOURCE_UNKNOWN / ERR_SELECTOR_UNKNOWN. */
export function resolveReference(ref: ParsedReference, catalogues: readonly Catalogue[], entry: string): ResolvedReference {
  let catalogue: Catalogue | undefined;
  if (ref.kind === 'tag') {
    catalogue = catalogues.find((c) => c.type === 'azure-service-tags');
    if (catalogue === undefined) {
      throw new IpgateError('ERR_SERVICE_TAG_NO_SOURCE', `${entry} looks like an Azure service tag, but no source of type azure-service-tags is configured`, {
        input: entry,
        suggestion: AZURE_SOURCE_FIX,
      });
    }
  } else {
    catalogue = catalogues.find((c) => c.source === ref.source);
    if (catalogue === undefined) {
      const matches = closeMatches(ref.source, catalogues.map((c) => c.source));
      const known = catalogues.map((c) => c.source).join(', ');
      const hint = didYouMean(matches);
      throw new IpgateError('ERR_SOURCE_UNKNOWN',
        `${entry}: no source named "${ref.source}"${hint === undefined ? '' : `; ${hint}`} (configured: ${known || 'none'})`, {
          input: entry,
          ...(matches[0] === undefined ? {} : { suggestion: `${matches[0]}:${ref.selector}` }),
        });
    }
  }
  return { source: catalogue.source, type: catalogue.type, selector: ref.selector, ranges: select(catalogue, ref.selector) };
}
