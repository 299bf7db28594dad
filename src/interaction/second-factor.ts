import type { Context } from 'koa';
import { AppError } from '../common/errors.ts';
import { TooManyRequestsError } from '../common/too-many-requests.ts';
import type { Organization, User } from '../directory/model.ts';
import { sendPage } from '../http/pages.ts';
import type { EmailOtp } from '../mfa/index.ts';
import { otpPage } from '../../views/signin.ts';
import { signinText, type SigninMessageId } from '../../views/messages/signin.ts';
import type { Locale } from '../i18n/locale.ts';
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

/**
 * Passed by this user in this journey, or by the session being reused when it is this user's (its amr only ever
 * holds our own `otp`): another account's code, or another account's session, never counts. A first factor
 * passed in this journey makes a new login, which does not keep the session's amr: then only a code passed in
 * the journey counts.
 */
export function secondFactorSatisfied(state: JourneyState, userId: string, session: { accountId?: string; amr?: readonly string[] } | undefined): boolean {
  if (state.otpVerifiedFor === userId) return true;
  return state.userId === undefined && session?.accountId === userId && (session.amr ?? []).includes('otp');
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

/* What each refusal says beside the field (views/messages/signin.*.ts). */
const MESSAGES: Record<string, SigninMessageId> = {
  otp_invalid: 'otp.invalid',
  otp_expired: 'otp.expired',
  otp_exhausted: 'otp.exhausted',
  otp_missing: 'otp.missing',
  otp_locked: 'otp.locked',
  otp_resend_limited: 'otp.resendLimited',
  too_many_requests: 'otp.tooMany',
  mail_unavailable: 'otp.mailDown',
};

export function createSecondFactor(deps: { otp: EmailOtp }) {
  function show(ctx: Context, form: { csrf: string; clientName: string; email: string; urls: OtpPageUrls; locale: Locale }, outcome: { error?: unknown; noticeId?: SigninMessageId } = {}) {
    const { error } = outcome;
    const t = signinText(form.locale);
    const code = error instanceof AppError ? error.code : undefined;
    if (error instanceof TooManyRequestsError) ctx.set('Retry-After', String(error.retryAfterSeconds));
    const status = error instanceof AppError ? error.status : 200;
    return sendPage(ctx, otpPage({
      action: form.urls.action, resend: form.urls.resend, restart: form.urls.restart, csrf: form.csrf,
      clientName: form.clientName, email: form.email,
      ...(code ? { error: t(MESSAGES[code] ?? 'otp.invalid') } : {}),
      ...(outcome.noticeId ? { notice: t(outcome.noticeId) } : {}),
      locale: form.locale,
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
