/**
 * GCP `cloud.json`: `prefixes[]` of `{ ipv4Prefix | ipv6Prefix, service, scope }`. Selectors:
 * `scope=europe-west1`, `service=Google Cloud`, or both.
 */
import type { Range } from '../cidr/types.js';
import type { Catalogue, SourceGroup } from './types.js';
import { isObject, newCounter, parseJsonObject, parseProviderPrefix, sourceParseError, stringField, versionOf } from './parse-util.js';

export function parseGcpCloudJson(source: string, text: string): Catalogue {
  const type = 'gcp-cloud-json';
  const root = parseJsonObject(text, source, type);
  const items = root['prefixes'];
  if (!Array.isArray(items)) throw sourceParseError(source, type, 'missing "prefixes" list');
  const counter = newCounter();
  const byKey = new Map<string, { attrs: Record<string, string>; ranges: Range[] }>();
  items.forEach((item: unknown, i) => {
    const where = `prefixes[${i}]`;
    if (!isObject(item)) throw sourceParseError(source, type, `${where}: expected an object`);
    const has4 = item['ipv4Prefix'] !== undefined;
    const has6 = item['ipv6Prefix'] !== undefined;
    if (has4 === has6) throw sourceParseError(source, type, `${where}: expected exactly one of "ipv4Prefix" and "ipv6Prefix"`);
    const field = has4 ? 'ipv4Prefix' : 'ipv6Prefix';
    const range = parseProviderPrefix(item[field], `${where}.${field}`, source, type, counter);
    if ((range.family === 4) !== has4) throw sourceParseError(source, type, `${where}: ${field} holds an IPv${range.family} prefix`);
    const attrs = { scope: stringField(item, 'scope', where, source, type), service: stringField(item, 'service', where, source, type) };
    const key = `${attrs.scope}\0${attrs.service}`;
    const group = byKey.get(key);
    if (group === undefined) byKey.set(key, { attrs, ranges: [range] });
    else group.ranges.push(range);
  });
  const groups: SourceGroup[] = [...byKey.values()];
  const version = versionOf(root['syncToken']);
  return {
    source, type, named: new Map(), groups, attributeKeys: ['scope', 'service'],
    prefixCount: counter.seen.size, hostBitsNormalized: counter.hostBitsNormalized,
    ...(version === undefined ? {} : { version }),
  };
}
