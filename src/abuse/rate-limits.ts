import { RateLimiterRes } from 'rate-limiter-flexible';
import type { KvStore } from '../common/kv.ts';
import { TooManyRequestsError } from '../common/too-many-requests.ts';
import { KvRateLimiter } from './kv-rate-limiter.ts';
import { resolveRatePolicies, type RatePolicyName, type RatePolicyOverrides } from './policies.ts';
import { subjectKey } from './subjects.ts';

/*
 * - `consume` takes one point from the policy's window for the subject, or throws TooManyRequestsError
 *   (429, `too_many_requests`, `retryAfterSeconds` until the window ends); a failing KV store propagates
 *   its own error (503), so an outage never reads as "allowed" or as "limited"
 * - a limited attempt still counts: hammering during the window does not end it sooner, it just keeps failing
 * - `check` takes nothing: it throws as consume would once the window's points are all taken, for limits
 *   that count only failures and so must be asked before the work whose failure they count
 * - subjects are normalised and hashed per policy kind (see subjects.ts) before they become keys
 * - the HTTP layer copies retryAfterSeconds into Retry-After (see http/rate-limit.ts)
 */

export interface RateLimits {
  consume(policy: RatePolicyName, subject: string): Promise<{ remaining: number }>;
  /** Throws TooManyRequestsError when the subject has no point left in the window; takes none. */
  check(policy: RatePolicyName, subject: string): Promise<void>;
  /** Forget a subject's count, e.g. the per-account password count after a successful sign-in. */
  reset(policy: RatePolicyName, subject: string): Promise<void>;
}

export function createRateLimits(deps: { kv: KvStore; policies?: RatePolicyOverrides }): RateLimits {
  const policies = resolveRatePolicies(deps.policies);
  const limiters = new Map<RatePolicyName, KvRateLimiter>();
  for (const [name, policy] of Object.entries(policies) as [RatePolicyName, (typeof policies)[RatePolicyName]][]) {
    limiters.set(name, new KvRateLimiter({ kv: deps.kv, keyPrefix: `rl:${name}`, points: policy.points, durationSeconds: policy.durationSeconds }));
  }

  const limiterFor = (name: RatePolicyName) => {
    const limiter = limiters.get(name);
    if (!limiter) throw new TypeError(`unknown rate policy ${String(name)}`);
    return limiter;
  };
  const keyFor = (name: RatePolicyName, subject: string) => subjectKey(policies[name].subject, subject);

  return {
    async consume(policy, subject) {
      try {
        const result = await limiterFor(policy).consume(keyFor(policy, subject));
        return { remaining: result.remainingPoints };
      } catch (rejection) {
        // The library rejects with a RateLimiterRes when the limit is reached, with an Error when the store fails.
        if (rejection instanceof RateLimiterRes) throw new TooManyRequestsError(rejection.msBeforeNext / 1000);
        throw rejection;
      }
    },

    async check(policy, subject) {
      const limiter = limiterFor(policy);
      const counted = await limiter.get(keyFor(policy, subject));
      if (counted && counted.consumedPoints >= limiter.points) throw new TooManyRequestsError(counted.msBeforeNext / 1000);
    },

    async reset(policy, subject) {
      await limiterFor(policy).delete(keyFor(policy, subject));
    },
  };
}
