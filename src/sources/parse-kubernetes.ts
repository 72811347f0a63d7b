/**
 * A `kubernetes` source's data is a discovery snapshot (see kube-objects.ts), kept in the source cache like a
 * provider file. Its catalogue names the three whole selections (`nodes/ExternalIP`, `nodes/InternalIP`,
 * `services/LoadBalancer`) and carries the snapshot, so narrower selectors (a namespace, labels) are answered
 * by kube-select.ts.
 */
import { formatRange } from '../cidr/format.js';
import type { Range } from '../cidr/types.js';
import { parseSnapshotText } from './kube-objects.js';
import { KUBE_SELECTORS, selectKube } from './kube-select.js';
import type { Catalogue } from './types.js';

export function parseKubernetes(source: string, text: string): Catalogue {
  const kube = parseSnapshotText(text);
  const named = new Map<string, readonly Range[]>();
  const all = new Set<string>();
  for (const selector of KUBE_SELECTORS) {
    const ranges = selectKube(kube, source, selector);
    named.set(selector, ranges);
    for (const r of ranges) all.add(formatRange(r));
  }
  return { source, type: 'kubernetes', named, groups: [], attributeKeys: [], prefixCount: all.size, hostBitsNormalized: 0, kube };
}
