import type { Context } from 'koa';
import { AppError } from '../common/errors.ts';
import { TooManyRequestsError } from '../common/too-many-requests.ts';
import type { Organization, User } from '../directory/model.ts';
import { sendPage } from '../http/pages.ts';
import type { EmailOtp } from '../mfa/index.ts';
import { otpPage } from '../../views/signin.ts';
import type { JourneyState } from './state.ts';

/*
 * The email one-time-password step, after the first factor and the choice of organisation:
 * - required when the organisation enforces MFA for everyone, or when the user opted in
 * - satisfied once per sign-in (`otp` joins the amr), or by a session that already has `otp` in its amr
 * - the code is bound to this interaction (the challenge id is its uid) and to the user
 * - every later step re-checks `satisfied`, so posting to the organisation or consent step directly skips nothing
 */
export function secondFactorRequired(org: Organization, user: Pick<User, 'mfaOptIn'>): boolean {
  return org.mfaPolicy === 'required' || user.mfaOptIn;
}

/** Passed in this journey, or by the session being reused (whose amr only ever holds our own `otp`). */
export function secondFactorSatisfied(state: JourneyState, sessionAmr: readonly string[] | undefined): boolean {
  return state.otpVerified === true || (sessionAmr ?? []).includes('otp');
}

/** amr after a code was accepted (RFC 8176: `otp`, and `mfa` for more than one factor). */
export function withSecondFactor(amr: readonly string[]): string[] {
  return [...new Set([...amr, 'otp', 'mfa'])];
}

export interface OtpPageUrls {
  action: string;
  resend: string;
  restart: string;
}

const MESSAGES: Record<string, string> = {
  otp_invalid: 'That code is not right. Check the email and try again.',
  otp_expired: 'That code has expired. Ask for a new one.',
  otp_exhausted: 'Too many wrong codes. Ask for a new one.',
  otp_missing: 'There is no code to check. Ask for a new one.',
  otp_locked: 'Too many wrong codes for this account. Try again later.',
  otp_resend_limited: 'Too many codes were sent. Wait a few minutes before asking for another.',
  too_many_requests: 'Too many attempts. Try again later.',
  mail_unavailable: 'The code could not be sent just now. Try again in a moment.',
};

export function createSecondFactor(deps: { otp: EmailOtp }) {
  function show(ctx: Context, form: { csrf: string; clientName: string; email: string; urls: OtpPageUrls }, outcome: { error?: unknown; notice?: string } = {}) {
    const { error } = outcome;
    const code = error instanceof AppError ? error.code : undefined;
    if (error instanceof TooManyRequestsError) ctx.set('Retry-After', String(error.retryAfterSeconds));
    const status = error instanceof AppError ? error.status : 200;
    return sendPage(ctx, otpPage({
      action: form.urls.action, resend: form.urls.resend, restart: form.urls.restart, csrf: form.csrf,
      clientName: form.clientName, email: form.email,
      ...(code ? { error: MESSAGES[code] ?? MESSAGES.otp_invalid } : {}),
      ...(outcome.notice ? { notice: outcome.notice } : {}),
    }), status);
  }

  return {
    show,
    /** Mails a code for this interaction; an expected refusal (limits, mail down) is returned to show, not thrown. */
    async send(uid: string, user: Pick<User, 'id' | 'email' | 'name'>): Promise<AppError | undefined> {
      try {
        await deps.otp.send({ challengeId: uid, userId: user.id, email: user.email, name: user.name });
        return undefined;
      } catch (error) {
        if (error instanceof AppError && (error.status === 429 || error.code === 'mail_unavailable')) return error;
        throw error;
      }
    },
    /** 'ok', or the refusal to show beside the field. */
    async verify(uid: string, userId: string, code: string): Promise<'ok' | AppError> {
      try {
        return await deps.otp.verify({ challengeId: uid, userId, code });
      } catch (error) {
        if (error instanceof AppError && error.status < 500) return error;
        throw error;
      }
    },
  };
}

export type SecondFactor = ReturnType<typeof createSecondFactor>;
