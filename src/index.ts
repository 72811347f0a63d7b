/** ipgate library API. */
export { IpgateError, isIpgateError, type IpgateErrorData } from './errors.js';
export type { Address, Family, Range } from './cidr/types.js';
export { parseAddress, parseRange, unmapAddress, isRange } from './cidr/parse.js';
export { formatAddress, formatRange } from './cidr/format.js';
export { rangeSize, compareRanges } from './cidr/types.js';
export { mergeRanges } from './cidr/merge.js';
export { compileMatcher, type Matcher } from './cidr/matcher.js';
export { condense, type CondenseOptions, type CondenseResult } from './cidr/condense.js';
export { EGRESS_ONLY, type Profile, type Verdict, type DecisionReason } from './policy/profile.js';
export { compileProfile, decide, type CompiledProfile } from './policy/decide.js';
export { validateProfile, type ValidationTarget, type ProfileProblem, type ValidationResult } from './policy/validate.js';
