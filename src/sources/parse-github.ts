/**
 * GitHub `/meta`: an object whose range keys (`hooks`, `web`, `api`, `git`, `actions`, ...) hold lists of
 * CIDRs; other keys (`ssh_keys`, `domains`, flags) are not ranges and are skipped. Selector: the key.
 */
import type { Range } from '../cidr/types.js';
import type { Catalogue } from './types.js';
import { newCounter, parseJsonObject, parseProviderPrefix, sourceParseError } from './parse-util.js';

/** Text that can only be meant as an address or prefix (digits, hex, dots, colons, one slash). */
const ADDRESS_LIKE = /^[0-9A-Fa-f:.]+(?:\/\d+)?$/;

export function parseGithubMeta(source: string, text: string): Catalogue {
  const type = 'github-meta';
  const root = parseJsonObject(text, source, type);
  const counter = newCounter();
  const named = new Map<string, Range[]>();
  for (const [key, value] of Object.entries(root)) {
    if (!Array.isArray(value) || value.length === 0) continue;
    const looks = value.map((v: unknown) => typeof v === 'string' && ADDRESS_LIKE.test(v) && /[.:]/.test(v));
    if (!looks.some(Boolean)) continue; // ssh_keys and other lists of non-addresses
    const bad = looks.indexOf(false);
    if (bad >= 0) {
      throw sourceParseError(source, type, `${key}[${bad}]: ${JSON.stringify(value[bad])} is not a prefix, in a list of prefixes`);
    }
    named.set(key, value.map((v: unknown, i) => parseProviderPrefix(v, `${key}[${i}]`, source, type, counter)));
  }
  if (named.size === 0) throw sourceParseError(source, type, 'no lists of prefixes found (expected keys like "actions", "hooks", "web")');
  return { source, type, named, groups: [], attributeKeys: [], prefixCount: counter.seen.size, hostBitsNormalized: counter.hostBitsNormalized };
}
