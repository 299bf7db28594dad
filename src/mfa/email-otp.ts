import { randomBytes } from 'node:crypto';
import type { KvStore } from '../common/kv.ts';
import type { Mailer } from '../mail/port.ts';
import { digestCode, digestsMatch, generateCode, MIN_CODE_KEY_BYTES, normalizeCodeInput } from './code.ts';
import { OtpLockedError, OtpRejectedError, OtpResendLimitedError } from './errors.ts';
import { otpKeys, type OtpRecord } from './keys.ts';
import { renderOtpMail, type OtpMailContext, type RenderOtpMail } from './mail.ts';

/*
 * Email one-time passwords, the second factor of a sign-in:
 * - a code is bound to one challenge (the sign-in interaction) and one user, lives 10 minutes and works once;
 *   a resend replaces it, and the replaced code fails from that moment on
 * - every guess first takes a numbered slot from an atomic counter (kv.increment) and is compared only when
 *   its slot is within the limit, so concurrent guesses on several instances compare at most `attemptsPerCode`
 *   times in all (NIST SP 800-63B §5.2.2: limit consecutive failed attempts)
 * - slots are also taken from a per-user counter spanning challenges, so restarting the sign-in for fresh codes
 *   does not reset the attacker's budget; a successful check gives its slot back
 * - the code is mailed before send() resolves; a delivery failure rejects with the mailer's error and the new
 *   code never becomes usable
 * - codes appear in no error, log line or stored value
 */

export interface EmailOtpLimits {
  /** How long a code is valid. */
  validitySeconds: number;
  /** Guesses at one code before it is dead. */
  attemptsPerCode: number;
  /** Codes mailed to a user per window beyond the first. */
  resendsPerWindow: number;
  sendWindowSeconds: number;
  /** Failed checks of a user, across challenges, before every check and send is refused for the window. */
  failuresPerAccount: number;
  failureWindowSeconds: number;
}

export const DEFAULT_EMAIL_OTP_LIMITS: EmailOtpLimits = {
  validitySeconds: 600,
  attemptsPerCode: 5,
  resendsPerWindow: 3,
  sendWindowSeconds: 600,
  failuresPerAccount: 20,
  failureWindowSeconds: 3600,
};

/*
 * A code's record outlives its validity by this much, so that a late attempt hears "expired, ask for a new
 * one" rather than "there is no code".
 */
const EXPIRED_NOTICE_SECONDS = 900;

export interface EmailOtpDeps {
  kv: KvStore;
  mailer: Mailer;
  /**
   * HMAC key for stored codes, at least 32 bytes, from the configuration (never from the KV store: a reader
   * of Redis who also had the key could brute-force the 10^6 codes).
   */
  codeKey: string | Uint8Array;
  render?: RenderOtpMail;
  now?: () => Date;
  limits?: Partial<EmailOtpLimits>;
}

export interface SendOtpInput extends OtpMailContext {
  challengeId: string;
  userId: string;
}

export interface VerifyOtpInput {
  challengeId: string;
  userId: string;
  code: string;
}

export interface EmailOtp {
  /** Issue a code for the challenge (replacing any earlier one) and mail it; resolves once it was handed over. */
  send(input: SendOtpInput): Promise<{ expiresAt: Date }>;
  /** 'ok' exactly once per issued code; otherwise throws OtpRejectedError, OtpLockedError or the KV's error. */
  verify(input: VerifyOtpInput): Promise<'ok'>;
}

export function createEmailOtp(deps: EmailOtpDeps): EmailOtp {
  const { kv, mailer } = deps;
  const key = typeof deps.codeKey === 'string' ? Buffer.from(deps.codeKey, 'utf8') : deps.codeKey;
  if (key.byteLength < MIN_CODE_KEY_BYTES) throw new RangeError(`the OTP code key must be at least ${MIN_CODE_KEY_BYTES} bytes`);
  const render = deps.render ?? renderOtpMail;
  const now = deps.now ?? (() => new Date());
  const limits = { ...DEFAULT_EMAIL_OTP_LIMITS, ...deps.limits };
  const recordSeconds = limits.validitySeconds + EXPIRED_NOTICE_SECONDS;

  const retryAfter = async (counterKey: string, windowSeconds: number) => (await kv.ttl(counterKey)) ?? windowSeconds;

  async function refuseLockedAccount(userId: string): Promise<void> {
    const failures = (await kv.get<number>(otpKeys.failures(userId))) ?? 0;
    if (failures >= limits.failuresPerAccount) {
      throw new OtpLockedError(await retryAfter(otpKeys.failures(userId), limits.failureWindowSeconds));
    }
  }

  return {
    async send({ challengeId, userId, email, name, locale }) {
      await refuseLockedAccount(userId);
      // Counted before mailing, failed deliveries included: the limit is what protects the inbox.
      const sends = await kv.increment(otpKeys.sends(userId), limits.sendWindowSeconds);
      if (sends > 1 + limits.resendsPerWindow) {
        throw new OtpResendLimitedError(await retryAfter(otpKeys.sends(userId), limits.sendWindowSeconds));
      }

      const code = generateCode();
      const codeId = randomBytes(16).toString('base64url');
      // Rendered first: a template failure must not leave a stored code behind.
      const message = render(code, { email, name, locale });
      const expiresAt = now().getTime() + limits.validitySeconds * 1000;
      const record: OtpRecord = { codeId, userId, digest: digestCode(key, { challengeId, userId, codeId }, code), expiresAt };
      // The marker first, then the record: overwriting the record is what kills the previous code.
      await kv.set(otpKeys.unused(codeId), true, recordSeconds);
      await kv.set(otpKeys.code(challengeId), record, recordSeconds);

      try {
        await mailer.send(message);
      } catch (error) {
        // Nobody has seen this code, so a failure to withdraw it is harmless; the mail error is what matters.
        await kv.delete(otpKeys.unused(codeId)).catch(() => {});
        throw error;
      }
      return { expiresAt: new Date(expiresAt) };
    },

    async verify({ challengeId, userId, code }) {
      const record = await kv.get<OtpRecord>(otpKeys.code(challengeId));
      if (!record || record.userId !== userId) throw new OtpRejectedError('otp_missing');
      // A cheap early answer for a used code; the atomic consume below is what enforces single use.
      if ((await kv.get(otpKeys.unused(record.codeId))) === undefined) throw new OtpRejectedError('otp_missing');
      if (now().getTime() >= record.expiresAt) throw new OtpRejectedError('otp_expired');

      const attempt = await kv.increment(otpKeys.attempts(record.codeId), recordSeconds);
      if (attempt > limits.attemptsPerCode) throw new OtpRejectedError('otp_exhausted');
      const failuresKey = otpKeys.failures(userId);
      const failures = await kv.increment(failuresKey, limits.failureWindowSeconds);
      if (failures > limits.failuresPerAccount) throw new OtpLockedError(await retryAfter(failuresKey, limits.failureWindowSeconds));

      const submitted = digestCode(key, { challengeId, userId, codeId: record.codeId }, normalizeCodeInput(code));
      if (!digestsMatch(record.digest, submitted)) throw new OtpRejectedError('otp_invalid');

      // The right code is not a failure: give the slot back (whether or not this call wins the consume).
      await kv.increment(failuresKey, limits.failureWindowSeconds, -1);
      if ((await kv.consume(otpKeys.unused(record.codeId))) === undefined) throw new OtpRejectedError('otp_missing');
      return 'ok';
    },
  };
}
