import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { RateLimits } from '../abuse/index.ts';
import { AppError, ValidationError } from '../common/errors.ts';
import { TooManyRequestsError } from '../common/too-many-requests.ts';
import type { AccountService } from '../directory/account.ts';
import type { MfaPreference } from '../directory/mfa-preference.ts';
import { predatesPasswordChange } from '../directory/model.ts';
import type { UserStore } from '../directory/ports.ts';
import { sendPage } from '../http/pages.ts';
import type { EmailOtp } from '../mfa/index.ts';
import { accountCodePage, accountSettingsPage, accountSignInPage, type SettingsView } from '../../views/account-settings.ts';
import type { FormGuard } from './form-guard.ts';
import type { AccountMail } from './mail.ts';
import type { AccountSession, AccountSessions } from './session.ts';

export interface AccountSettingsDeps {
  users: Pick<UserStore, 'get' | 'find' | 'findByEmail'>;
  account: Pick<AccountService, 'changeOwnPassword' | 'checkPassword'>;
  mfa: MfaPreference;
  otp: EmailOtp;
  sessions: AccountSessions;
  rateLimits: Pick<RateLimits, 'consume' | 'reset'>;
  mail: Pick<AccountMail, 'sendSecurityNotice'>;
  passwords: { verify(hash: string, plain: string): Promise<boolean>; verifyNothing(plain: string): Promise<void> };
  guard: FormGuard;
  logger: Pick<Logger, 'error'>;
}

type Body = Record<string, string | undefined>;

const SIGN_IN_FAILED = 'The email address or password is incorrect.';
const CODE_ERRORS: Record<string, string> = {
  otp_invalid: 'That code is not right.',
  otp_expired: 'That code has expired. Sign in again for a new one.',
  otp_exhausted: 'Too many wrong codes. Sign in again for a new one.',
  otp_missing: 'There is no code to check. Sign in again.',
};

/*
 * /account: a person's own settings, whichever organisations they belong to.
 * - signing in here takes the password, then the emailed code when the user has two-step verification on or
 *   an organisation of theirs enforces it; attempts count against the same limits as the sign-in pages
 * - each change asks for the current password again (re-authentication), so a session left open on a shared
 *   computer is not enough to turn verification off or take over the password
 * - turning two-step verification off emails a security notice
 */
export function createAccountSettingsRouter(deps: AccountSettingsDeps): Router {
  const router = new Router({ prefix: '/account' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const { guard } = deps;
  const context = (ctx: Context) => ({ requestId: ctx.state.requestId as string, ip: ctx.ip });

  async function limited(ctx: Context, run: () => Promise<unknown>): Promise<TooManyRequestsError | undefined> {
    try {
      await run();
      return undefined;
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      ctx.set('Retry-After', String(error.retryAfterSeconds));
      return error;
    }
  }

  /**
   * The current password asked again on the page is limited as signing in is (per address, and per account on a
   * budget of its own): an open session (a shared computer) is no way to guess it faster. The message of the
   * page that asked, when limited.
   */
  async function passwordAttemptLimited(ctx: Context, session: AccountSession): Promise<string | undefined> {
    const blocked = await limited(ctx, async () => {
      await deps.rateLimits.consume('password-per-ip', ctx.ip);
      await deps.rateLimits.consume('password-recheck-per-account', session.userId);
    });
    return blocked ? 'Too many attempts. Wait a few minutes and try again.' : undefined;
  }

  async function settings(ctx: Context, session: AccountSession, extra: Pick<SettingsView, 'notice' | 'errors'> = {}, status = 200) {
    const user = await deps.users.get(session.userId);
    sendPage(ctx, accountSettingsPage({
      csrf: guard.tokenFor(ctx), email: user.email, name: user.name, hasPassword: user.passwordHash !== null,
      mfa: await deps.mfa.status(user.id), ...extra,
    }), status);
  }

  /** The signed-in session, or the sign-in page (a session still waiting for its code counts as none). */
  async function signedIn(ctx: Context): Promise<AccountSession | undefined> {
    const session = await deps.sessions.get(ctx);
    if (session && !session.awaitingCode && !(await sessionEnded(ctx, session))) return session;
    sendPage(ctx, accountSignInPage({ csrf: guard.tokenFor(ctx) }), 401);
    return undefined;
  }

  /** A session of an account disabled since, or from before its password was last set (not the one that set it), ends. */
  async function sessionEnded(ctx: Context, session: AccountSession): Promise<boolean> {
    const user = await deps.users.find(session.userId);
    if (user && user.status === 'active' && !predatesPasswordChange(user, session.since)) return false;
    await deps.sessions.end(ctx, session);
    return true;
  }

  router.get('/', async (ctx) => {
    const session = await deps.sessions.get(ctx);
    if (!session || await sessionEnded(ctx, session)) return sendPage(ctx, accountSignInPage({ csrf: guard.tokenFor(ctx) }));
    if (session.awaitingCode) return sendPage(ctx, accountCodePage({ csrf: guard.tokenFor(ctx), email: (await deps.users.get(session.userId)).email }));
    return settings(ctx, session);
  });

  router.post('/sign-in', form, async (ctx) => {
    const body = ctx.request.body as Body;
    guard.verify(ctx, body.csrf);
    const email = String(body.email ?? '').trim();
    const password = String(body.password ?? '');
    const blocked = await limited(ctx, async () => {
      await deps.rateLimits.consume('password-per-ip', ctx.ip);
      await deps.rateLimits.consume('password-per-account', email);
    });
    if (blocked) return sendPage(ctx, accountSignInPage({ csrf: guard.tokenFor(ctx), email, error: 'Too many attempts. Wait a few minutes and try again.' }), 429);
    const user = email ? await deps.users.findByEmail(email) : undefined;
    const ok = user?.passwordHash && user.status === 'active'
      ? await deps.passwords.verify(user.passwordHash, password)
      : (await deps.passwords.verifyNothing(password), false);
    if (!ok || !user) return sendPage(ctx, accountSignInPage({ csrf: guard.tokenFor(ctx), email, error: SIGN_IN_FAILED }), 401);
    await deps.rateLimits.reset('password-per-account', email);
    const mfa = await deps.mfa.status(user.id);
    const needsCode = mfa.optIn || mfa.enforcedBy.length > 0;
    const session = await deps.sessions.start(ctx, user.id, needsCode);
    if (needsCode) await deps.otp.send({ challengeId: `account:${session.id}`, userId: user.id, email: user.email, name: user.name });
    ctx.status = 303;
    ctx.redirect('/account');
  });

  router.post('/sign-in/code', form, async (ctx) => {
    const body = ctx.request.body as Body;
    guard.verify(ctx, body.csrf);
    const session = await deps.sessions.get(ctx);
    if (!session?.awaitingCode) return ctx.redirect('/account');
    const user = await deps.users.get(session.userId);
    const show = (error: string, status: number) => sendPage(ctx, accountCodePage({ csrf: guard.tokenFor(ctx), email: user.email, error }), status);
    if (await limited(ctx, () => deps.rateLimits.consume('otp-check-per-account', user.id))) return show('Too many attempts. Try again later.', 429);
    try {
      await deps.otp.verify({ challengeId: `account:${session.id}`, userId: user.id, code: String(body.code ?? '') });
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      return show(CODE_ERRORS[error.code] ?? error.message, error.status);
    }
    await deps.sessions.confirm(session);
    ctx.status = 303;
    ctx.redirect('/account');
  });

  router.post('/mfa', form, async (ctx) => {
    const body = ctx.request.body as Body;
    guard.verify(ctx, body.csrf);
    const session = await signedIn(ctx);
    if (!session) return;
    const enabled = body.enabled === 'on';
    const tooMany = await passwordAttemptLimited(ctx, session);
    if (tooMany) return settings(ctx, session, { errors: { mfa: tooMany } }, 429);
    if (!(await deps.account.checkPassword(session.userId, String(body.currentPassword ?? '')))) {
      return settings(ctx, session, { errors: { mfa: 'The current password is not correct.' } }, 403);
    }
    await deps.rateLimits.reset('password-recheck-per-account', session.userId);
    try {
      await deps.mfa.set(session.userId, enabled, context(ctx));
    } catch (error) {
      if (error instanceof AppError && error.code === 'mfa_enforced') return settings(ctx, session, { errors: { mfa: error.message } }, 403);
      throw error;
    }
    if (!enabled) {
      const user = await deps.users.get(session.userId);
      // The change is made: a notice that cannot be sent now is logged, not reported as a failed change.
      await deps.mail.sendSecurityNotice({ email: user.email, notice: { event: 'mfa-disabled', at: new Date() } })
        .catch((error: unknown) => deps.logger.error({ err: error, requestId: ctx.state.requestId }, 'two-step verification notice not sent'));
    }
    return settings(ctx, session, { notice: enabled ? 'Two-step verification is on.' : 'Two-step verification is off.' });
  });

  router.post('/password', form, async (ctx) => {
    const body = ctx.request.body as Body;
    guard.verify(ctx, body.csrf);
    const session = await signedIn(ctx);
    if (!session) return;
    const tooMany = await passwordAttemptLimited(ctx, session);
    if (tooMany) return settings(ctx, session, { errors: { currentPassword: tooMany } }, 429);
    try {
      await deps.account.changeOwnPassword(session.userId, { currentPassword: String(body.currentPassword ?? ''), newPassword: String(body.newPassword ?? '') }, context(ctx));
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_current_password') {
        return settings(ctx, session, { errors: { currentPassword: 'The current password is not correct.' } }, 403);
      }
      const problem = error instanceof ValidationError ? error.details.find((d) => d.path === 'newPassword') : undefined;
      if (problem) return settings(ctx, session, { errors: { newPassword: `The new password ${problem.message}.` } }, 400);
      throw error;
    }
    await Promise.all([deps.sessions.renew(session), deps.rateLimits.reset('password-recheck-per-account', session.userId)]);
    return settings(ctx, session, { notice: 'Your password has been changed.' });
  });

  router.post('/sign-out', form, async (ctx) => {
    const body = ctx.request.body as Body;
    guard.verify(ctx, body.csrf);
    await deps.sessions.end(ctx, await deps.sessions.get(ctx));
    sendPage(ctx, accountSignInPage({ csrf: guard.tokenFor(ctx) }));
  });

  return router;
}
