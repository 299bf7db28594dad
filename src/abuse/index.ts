export { TooManyRequestsError } from '../common/too-many-requests.ts';
export { DEFAULT_RATE_POLICIES, type RatePolicy, type RatePolicyName, type RatePolicyOverrides } from './policies.ts';
export { createRateLimits, type RateLimits } from './rate-limits.ts';
export { ipBucket, subjectKey, type SubjectKind } from './subjects.ts';
