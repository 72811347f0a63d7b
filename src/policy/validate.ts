import type { Profile } from './profile.js';

export type ValidationTarget = 'ipgate' | 'aks';

export interface ProfileProblem {
  readonly code: string;
  /** Which list the entry is in, and its index there; absent for problems of the whole profile. */
  readonly field?: 'authorizedIpRanges' | 'egressIpRanges';
  readonly index?: number;
  readonly entry?: string;
  readonly message: string;
  readonly suggestion?: string;
}

export interface ValidationResult {
  readonly valid: boolean;
  readonly problems: ProfileProblem[];
}

export interface ValidateOptions {
  readonly target?: ValidationTarget;
  /** AKS: whether the cluster uses API server VNet integration (a service tag is then refused). */
  readonly vnetIntegration?: boolean;
}

export function validateProfile(profile: Profile, options: ValidateOptions = {}): ValidationResult {
  void profile;
  void options;
  throw new Error('not implemented');
}
