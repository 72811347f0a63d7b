/**
 * AWS `ip-ranges.json`: `prefixes[]` (`ip_prefix`) and `ipv6_prefixes[]` (`ipv6_prefix`), each with
 * `service`, `region` and `network_border_group`. Selectors: any of those keys, e.g.
 * `service=EC2,region=eu-west-1`. Note that AWS lists every prefix under `AMAZON` as well.
 */
import type { Range } from '../cidr/types.js';
import type { Catalogue, SourceGroup } from './types.js';
import { isObject, newCounter, parseJsonObject, parseProviderPrefix, sourceParseError, stringField, versionOf, type PrefixCounter } from './parse-util.js';

const KEYS = ['service', 'region', 'network_border_group'] as const;

export function parseAwsIpRanges(source: string, text: string): Catalogue {
  const type = 'aws-ip-ranges';
  const root = parseJsonObject(text, source, type);
  const counter = newCounter();
  const byKey = new Map<string, { attrs: Record<string, string>; ranges: Range[] }>();
  const list = (field: string, prefixField: string, required: boolean): void => {
    const items = root[field];
    if (items === undefined && !required) return;
    if (!Array.isArray(items)) throw sourceParseError(source, type, `missing "${field}" list`);
    items.forEach((item: unknown, i) => addItem(item, `${field}[${i}]`, prefixField, counter, byKey, source));
  };
  list('prefixes', 'ip_prefix', true);
  list('ipv6_prefixes', 'ipv6_prefix', false);
  const groups: SourceGroup[] = [...byKey.values()];
  const version = versionOf(root['syncToken']);
  return {
    source, type, named: new Map(), groups, attributeKeys: [...KEYS],
    prefixCount: counter.seen.size, hostBitsNormalized: counter.hostBitsNormalized,
    ...(version === undefined ? {} : { version }),
  };
}

function addItem(item: unknown, where: string, prefixField: string, counter: PrefixCounter,
  byKey: Map<string, { attrs: Record<string, string>; ranges: Range[] }>, source: string): void {
  const type = 'aws-ip-ranges';
  if (!isObject(item)) throw sourceParseError(source, type, `${where}: expected an object`);
  const range = parseProviderPrefix(item[prefixField], `${where}.${prefixField}`, source, type, counter);
  const attrs: Record<string, string> = {};
  for (const key of KEYS) attrs[key] = stringField(item, key, where, source, type);
  const key = KEYS.map((k) => attrs[k]).join('\0');
  const group = byKey.get(key);
  if (group === undefined) byKey.set(key, { attrs, ranges: [range] });
  else group.ranges.push(range);
}
