/** Provider file text -> Catalogue, by source type. Pure: no I/O. */
import type { Catalogue, SourceType } from './types.js';
import { parseAzureServiceTags } from './parse-azure.js';
import { parseAwsIpRanges } from './parse-aws.js';
import { parseGcpCloudJson } from './parse-gcp.js';
import { parseGithubMeta } from './parse-github.js';
import { parseTextList } from './parse-text.js';
import { parseKubernetes } from './parse-kubernetes.js';

const PARSERS: Readonly<Record<SourceType, (source: string, text: string) => Catalogue>> = {
  'azure-service-tags': parseAzureServiceTags,
  'aws-ip-ranges': parseAwsIpRanges,
  'gcp-cloud-json': parseGcpCloudJson,
  'github-meta': parseGithubMeta,
  text: parseTextList,
  kubernetes: parseKubernetes,
};

export function parseSource(type: SourceType, source: string, text: string): Catalogue {
  return PARSERS[type](source, text);
}
