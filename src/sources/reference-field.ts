/**
 * Which list a reference may stand in. `egressIpRanges` holds the cluster's own outbound addresses: besides
 * addresses and ranges it takes references to a `kubernetes` source (the nodes' and load balancers'
 * addresses, discovered), and nothing else: a provider's published ranges or a service tag there would make
 * thousands of foreign addresses "always allowed". `authorizedIpRanges` takes provider references and service
 * tags, but not discovery references: the cluster's own addresses are egress (always allowed, also with
 * `0.0.0.0/32`), and an empty discovery (no node with an ExternalIP yet) must never empty the authorized list.
 */
import type { ErrorCode } from '../errors.js';
import type { ProfileField } from '../policy/validate.js';
import type { SourceType } from './types.js';

export interface FieldProblem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly suggestion: string;
}

/** The problem with a reference into a source of `type` standing in `field`, or undefined when it may. */
export function referenceFieldProblem(field: ProfileField, entry: string, type: SourceType | 'tag'): FieldProblem | undefined {
  const discovery = type === 'kubernetes';
  if (field === 'egressIpRanges' && !discovery) {
    return {
      code: 'ERR_REFERENCE_FIELD',
      message: `${entry} cannot be an egress entry: egressIpRanges lists the cluster's own outbound addresses (addresses, ranges, or Kubernetes discovery such as k8s:nodes/ExternalIP), and every address there is always allowed`,
      suggestion: `move ${entry} to authorizedIpRanges`,
    };
  }
  if (field === 'authorizedIpRanges' && discovery) {
    return {
      code: 'ERR_REFERENCE_FIELD',
      message: `${entry} discovers the cluster's own addresses: it belongs in egressIpRanges (always allowed, also with 0.0.0.0/32), not in authorizedIpRanges`,
      suggestion: `move ${entry} to egressIpRanges`,
    };
  }
  return undefined;
}
