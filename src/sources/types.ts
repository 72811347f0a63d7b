/**
 * A range source is a provider's published list of prefixes (Azure Service Tags, AWS ip-ranges.json, GCP
 * cloud.json, GitHub /meta), a plain text list, or the addresses a Kubernetes cluster's nodes and load balancers have
 * right now (`kubernetes`, discovered through the API). Parsing one gives a Catalogue: the prefixes grouped the way
 * references select them (`azure:AzureCloud.westeurope`, `aws:service=EC2,region=eu-west-1`, `github:actions`).
 */
import type { Range } from '../cidr/types.js';
import type { KubeSnapshot } from './kube-objects.js';

export const SOURCE_TYPES = ['azure-service-tags', 'aws-ip-ranges', 'gcp-cloud-json', 'github-meta', 'text', 'kubernetes'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** Prefixes that share the same attributes (one Azure tag, one AWS service/region/border group, ...). */
export interface SourceGroup {
  readonly attrs: Readonly<Record<string, string>>;
  readonly ranges: readonly Range[];
}

export interface Catalogue {
  /** The source's configured name (the part before ":" in a reference). */
  readonly source: string;
  readonly type: SourceType;
  /** Selections by name: Azure tag names, GitHub keys, '' for the whole of a text list. */
  readonly named: ReadonlyMap<string, readonly Range[]>;
  /** Groups selected by `key=value[,key=value]` selectors (every pair must match). */
  readonly groups: readonly SourceGroup[];
  /** The attribute keys `key=value` selectors may use, in the provider's spelling. */
  readonly attributeKeys: readonly string[];
  /** Distinct prefixes in the whole file. */
  readonly prefixCount: number;
  /** Prefixes published with host bits set, normalized to their network address. */
  readonly hostBitsNormalized: number;
  /** The provider's own version of the file (syncToken, changeNumber), when it has one. */
  readonly version?: string;
  /** A `kubernetes` source: the discovered nodes and Services (selected by kube-select.ts). */
  readonly kube?: KubeSnapshot;
}
