import type { SubjectKind } from './subjects.ts';

/*
 * The named limits, as one table. Each counts one kind of subject in a fixed window. Per-account limits stop
 * guessing at one account from many addresses; per-address limits stop one address spraying many accounts
 * (OWASP Authentication Cheat Sheet, "Protect against automated attacks"). Account limits key on the email
 * as typed, before any lookup, so they apply alike to accounts that exist and ones that do not.
 */
export interface RatePolicy {
  /** Actions allowed per window. */
  points: number;
  durationSeconds: number;
  subject: SubjectKind;
}

export const DEFAULT_RATE_POLICIES = {
  /** Password sign-in attempts per email. */
  'password-per-account': { points: 10, durationSeconds: 15 * 60, subject: 'email' },
  /**
   * The current password asked again by a signed-in session (the account page), per user id: a budget of its
   * own, so that guesses at the sign-in form cannot stop the signed-in owner from changing their password.
   */
  'password-recheck-per-account': { points: 10, durationSeconds: 15 * 60, subject: 'id' },
  /** Password sign-in attempts per client address (IPv6: per /64). */
  'password-per-ip': { points: 100, durationSeconds: 15 * 60, subject: 'ip' },
  /**
   * OTP checks per user id. The OTP module limits wrong codes itself (per code and per account); this bounds
   * the request rate, right codes included.
   */
  'otp-check-per-account': { points: 30, durationSeconds: 15 * 60, subject: 'id' },
  /** Password-reset mails per email: the limit that protects an inbox from being flooded. */
  'forgot-password-per-email': { points: 3, durationSeconds: 60 * 60, subject: 'email' },
  /** Password-reset requests per client address. */
  'forgot-password-per-ip': { points: 20, durationSeconds: 60 * 60, subject: 'ip' },
  /**
   * SAML responses the ACS refused, per client address. Past it the ACS answers 429 before it reads a response,
   * so one address cannot keep the parser and the canonicaliser busy, or fill the audit log with refusals.
   */
  'saml-refused-per-ip': { points: 100, durationSeconds: 15 * 60, subject: 'ip' },
  /** Invitation mails per organisation id. */
  'invitation-per-organization': { points: 100, durationSeconds: 60 * 60, subject: 'id' },
} as const satisfies Record<string, RatePolicy>;

export type RatePolicyName = keyof typeof DEFAULT_RATE_POLICIES;

/** Operators may change how much and how long, not what a policy counts. */
export type RatePolicyOverrides = Partial<Record<RatePolicyName, Partial<Pick<RatePolicy, 'points' | 'durationSeconds'>>>>;

export function resolveRatePolicies(overrides: RatePolicyOverrides = {}): Record<RatePolicyName, RatePolicy> {
  const resolved = {} as Record<RatePolicyName, RatePolicy>;
  for (const name of Object.keys(DEFAULT_RATE_POLICIES) as RatePolicyName[]) {
    const policy: RatePolicy = { ...DEFAULT_RATE_POLICIES[name], ...overrides[name] };
    if (!Number.isSafeInteger(policy.points) || policy.points < 1) throw new RangeError(`rate policy ${name}: points must be a positive integer`);
    if (!(policy.durationSeconds > 0) || !Number.isFinite(policy.durationSeconds)) {
      throw new RangeError(`rate policy ${name}: durationSeconds must be a positive number`);
    }
    resolved[name] = policy;
  }
  return resolved;
}
