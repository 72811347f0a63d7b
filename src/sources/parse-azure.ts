/**
 * Azure Service Tags (`ServiceTags_Public_*.json`): `values[]` of `{ name, properties: { region,
 * systemService, addressPrefixes } }`. Selectors: the tag name (`AzureCloud`, `AzureCloud.westeurope`,
 * `AzureDevOps`), or `region=westeurope` / `systemService=AzureDevOps`.
 */
import type { Range } from '../cidr/types.js';
import type { Catalogue, SourceGroup } from './types.js';
import { isObject, newCounter, parseJsonObject, parseProviderPrefix, sourceParseError, stringField, versionOf } from './parse-util.js';

export function parseAzureServiceTags(source: string, text: string): Catalogue {
  const type = 'azure-service-tags';
  const root = parseJsonObject(text, source, type);
  const values = root['values'];
  if (!Array.isArray(values)) throw sourceParseError(source, type, 'missing "values" list of service tags');
  const counter = newCounter();
  const named = new Map<string, Range[]>();
  const groups: SourceGroup[] = [];
  values.forEach((value: unknown, i) => {
    const where = `values[${i}]`;
    if (!isObject(value)) throw sourceParseError(source, type, `${where}: expected an object`);
    const name = stringField(value, 'name', where, source, type);
    if (name.length === 0) throw sourceParseError(source, type, `${where}: empty tag name`);
    if (named.has(name)) throw sourceParseError(source, type, `${where}: tag "${name}" appears twice`);
    const props = value['properties'];
    if (!isObject(props)) throw sourceParseError(source, type, `${where} (${name}): missing "properties"`);
    const prefixes = props['addressPrefixes'];
    if (!Array.isArray(prefixes)) throw sourceParseError(source, type, `${where} (${name}): missing "addressPrefixes" list`);
    const ranges = prefixes.map((p: unknown, j) => parseProviderPrefix(p, `${name} addressPrefixes[${j}]`, source, type, counter));
    named.set(name, ranges);
    const region = typeof props['region'] === 'string' ? props['region'] : '';
    const systemService = typeof props['systemService'] === 'string' ? props['systemService'] : '';
    groups.push({ attrs: { region, systemService }, ranges });
  });
  const version = versionOf(root['changeNumber']);
  return {
    source, type, named, groups, attributeKeys: ['region', 'systemService'],
    prefixCount: counter.seen.size, hostBitsNormalized: counter.hostBitsNormalized,
    ...(version === undefined ? {} : { version }),
  };
}
