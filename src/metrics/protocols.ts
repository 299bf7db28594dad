import type { RateLimits } from '../abuse/rate-limits.ts';
import { AppError } from '../common/errors.ts';
import { TooManyRequestsError } from '../common/too-many-requests.ts';
import type { Connector, ExternalIdentity } from '../federation/connector.ts';
import { SamlValidationError } from '../federation/saml/errors.ts';
import type { EmailOtp } from '../mfa/email-otp.ts';
import type { Metrics } from './metrics.ts';

/*
 * Counters of the sign-in's defences, as decorators over the ports that already decide (the rate limits, the
 * email OTP, the SAML connector), so the counting sits in one place and the deciding code stays as it is.
 * Every decorator passes results and errors through unchanged; labels are the ports' own stable codes.
 */

export function instrumentRateLimits(limits: RateLimits, metrics: Pick<Metrics, 'rateLimitBlocks'>): RateLimits {
  return {
    async consume(policy, subject) {
      try {
        return await limits.consume(policy, subject);
      } catch (error) {
        if (error instanceof TooManyRequestsError) metrics.rateLimitBlocks.inc({ policy });
        throw error;
      }
    },
    async check(policy, subject) {
      try {
        await limits.check(policy, subject);
      } catch (error) {
        if (error instanceof TooManyRequestsError) metrics.rateLimitBlocks.inc({ policy });
        throw error;
      }
    },
    reset: (policy, subject) => limits.reset(policy, subject),
  };
}

export function instrumentOtp(otp: EmailOtp, metrics: Pick<Metrics, 'otpSends' | 'otpFailures'>): EmailOtp {
  const failed = (error: unknown) => metrics.otpFailures.inc({ reason: error instanceof AppError ? error.code : 'error' });
  return {
    async send(input) {
      try {
        const sent = await otp.send(input);
        metrics.otpSends.inc();
        return sent;
      } catch (error) {
        failed(error);
        throw error;
      }
    },
    async verify(input) {
      try {
        return await otp.verify(input);
      } catch (error) {
        failed(error);
        throw error;
      }
    },
  };
}

/** Counts refused SAML responses by rejection reason; other failures (an IdP unreachable, a bug) are not SAML's verdict. */
export function instrumentSamlConnector<C extends Connector<unknown, unknown, { identity: ExternalIdentity }>>(
  connector: C,
  metrics: Pick<Metrics, 'samlFailures'>,
): C {
  return {
    ...connector,
    startSignIn: (connection, input) => connector.startSignIn(connection, input),
    async completeSignIn(connection, input) {
      try {
        return await connector.completeSignIn(connection, input);
      } catch (error) {
        if (error instanceof SamlValidationError) metrics.samlFailures.inc({ reason: error.reason });
        throw error;
      }
    },
  };
}
