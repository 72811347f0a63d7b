/** ipgate library API. */
export { IpgateError, isIpgateError, type IpgateErrorData } from './errors.js';
export { ERROR_CATALOGUE, type ErrorCode, type CodeInfo } from './errors/catalogue.js';
export type { Address, Family, Range } from './cidr/types.js';
export { parseAddress, parseRange, unmapAddress, isRange } from './cidr/parse.js';
export { formatAddress, formatRange } from './cidr/format.js';
export { rangeSize, compareRanges } from './cidr/types.js';
export { mergeRanges } from './cidr/merge.js';
export { compileMatcher, compileRangeMap, RangeMap, type Matcher } from './cidr/matcher.js';
export { condense, extraShare, CondenseBudgetError, type CondenseOptions, type CondenseResult, type CondenseObjective, type FamilyCost } from './cidr/condense.js';
export { EGRESS_ONLY, type Profile, type Verdict, type DecisionReason } from './policy/profile.js';
export { compileProfile, decide, ProfileInvalidError, type CompiledProfile } from './policy/decide.js';
export { validateProfile, AKS_MAX_ENTRIES, isEgressOnlySentinel, type ValidateOptions, type ValidationTarget, type ProfileProblem, type ValidationResult } from './policy/validate.js';
export { parseTopology, validateTopology } from './planner/parse-topology.js';
export { planTopology, allReachable, type Plan, type PlanOptions } from './planner/plan.js';
export type { Topology } from './planner/topology.js';
export type { SourceResolver } from './planner/sources.js';
export { TopologyError, type TopologyProblem } from './planner/problems.js';
