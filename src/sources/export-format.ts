/** Output formats of `ipgate export`: a plain list, JSON, or a ready command / Terraform block. */
import { formatRange } from '../cidr/format.js';
import type { ExportPlan } from './export-plan.js';

export const EXPORT_FORMATS = ['lines', 'json', 'az', 'gcloud', 'aws', 'terraform'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The entries to give the platform: the service tag passed through (AKS), then the prefixes. */
function entriesOf(plan: ExportPlan): string[] {
  return [...(plan.serviceTag === undefined ? [] : [plan.serviceTag]), ...plan.ranges.map(formatRange)];
}

export function exportJson(plan: ExportPlan): unknown {
  return {
    target: plan.target,
    count: entriesOf(plan).length,
    ...(plan.serviceTag === undefined ? {} : { serviceTag: plan.serviceTag }),
    limit: plan.limit ?? null,
    requiredPrefixes: plan.required.length,
    requiredAddresses: plan.requiredAddresses.toString(),
    extraAddresses: plan.extraAddresses.toString(),
    extraShare: plan.extraShare,
    egressIncluded: plan.egressIncluded,
    warnings: plan.warnings,
    ranges: entriesOf(plan),
  };
}

export function formatExport(plan: ExportPlan, format: ExportFormat): string {
  const list = entriesOf(plan);
  const joined = list.join(',');
  switch (format) {
    case 'lines':
      return list.map((r) => `${r}\n`).join('');
    case 'json':
      return `${JSON.stringify(exportJson(plan), null, 2)}\n`;
    case 'az':
      return `az aks update --resource-group <RESOURCE_GROUP> --name <CLUSTER> --api-server-authorized-ip-ranges ${joined}\n`;
    case 'gcloud':
      return `gcloud container clusters update <CLUSTER> --location <LOCATION> --enable-master-authorized-networks --master-authorized-networks ${joined}\n`;
    case 'aws':
      return `aws eks update-cluster-config --name <CLUSTER> --region <REGION> --resources-vpc-config 'endpointPublicAccess=true,publicAccessCidrs=${joined}'\n`;
    case 'terraform':
      return [
        'variable "authorized_ip_ranges" {',
        `  description = "Authorized IP ranges for ${plan.target} (ipgate export: ${list.length} prefixes, ${plan.extraAddresses} extra addresses)"`,
        '  type        = list(string)',
        '  default = [',
        ...list.map((r) => `    "${r}",`),
        '  ]',
        '}',
        '',
      ].join('\n');
  }
}
