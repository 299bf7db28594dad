import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { RateLimits } from '../abuse/index.ts';
import { AppError, ValidationError } from '../common/errors.ts';
import { TooManyRequestsError } from '../common/too-many-requests.ts';
import type { AccountService } from '../directory/account.ts';
import type { Directory } from '../directory/directory.ts';
import { sendPage } from '../http/pages.ts';
import {
  forgotPasswordPage, invitationAcceptedPage, invitationPage, passwordResetDonePage, resetLinkSentPage, resetPasswordPage,
} from '../../views/account.ts';
import { errorPage } from '../../views/signin.ts';
import type { FormGuard } from './form-guard.ts';
import { INVITATION_PATH, RESET_PATH, type AccountMail } from './mail.ts';

export const FORGOT_PATH = '/account/password/forgot';

export interface AccountRouterDeps {
  invitations: Pick<Directory['invitations'], 'preview' | 'accept'>;
  account: Pick<AccountService, 'forgotPassword' | 'resetPassword'>;
  mail: Pick<AccountMail, 'sendPasswordReset' | 'sendPasswordUnavailable'>;
  rateLimits: Pick<RateLimits, 'consume'>;
  guard: FormGuard;
  logger: Logger;
}

type Body = Record<string, unknown>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The message of a validation problem on `field`, for the field's error slot. */
function problemOn(error: unknown, field: string): string | undefined {
  if (!(error instanceof ValidationError)) return undefined;
  const problem = error.details.find((d) => d.path === field);
  return problem ? `This ${field === 'name' ? 'name' : 'password'} ${problem.message}.` : undefined;
}

/*
 * The self-service pages reached from emails, for people who are not signed in:
 * - /account/invitation?token=…: what the invitation is, then accept it (new account: name and password;
 *   existing account: just accept, it keeps its way of signing in)
 * - /account/password/forgot and /account/password/reset?token=…: the reset link by email, then a new password
 * Every form is CSRF-guarded; every answer is the same whether an email has an account; a link's secret is
 * only in the link, never echoed anywhere but the hidden field of its own form.
 */
export function createAccountRouter(deps: AccountRouterDeps): Router {
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const { guard } = deps;

  async function showInvitation(ctx: Context, token: string, values: { name?: string; errors?: { name?: string; password?: string } } = {}, status = 200) {
    const preview = await deps.invitations.preview(token);
    if (preview.expired) {
      return sendPage(ctx, errorPage({ title: 'This invitation has expired', message: `Ask an administrator of ${preview.organization.name} to send you a new one.` }), 410);
    }
    return sendPage(ctx, invitationPage({
      action: INVITATION_PATH, csrf: guard.tokenFor(ctx), token,
      organization: preview.organization.name, email: preview.email, accountExists: preview.accountExists,
      askPassword: preview.loginMethods.includes('password'), passwordRequired: preview.passwordRequired,
      ...values,
    }), status);
  }

  router.get(INVITATION_PATH, async (ctx) => {
    await showInvitation(ctx, String(ctx.query.token ?? ''));
  });

  router.post(INVITATION_PATH, form, async (ctx) => {
    const body = ctx.request.body as Body;
    guard.verify(ctx, body.csrf);
    const token = String(body.token ?? '');
    const name = text(body.name)?.trim();
    const password = text(body.password);
    const preview = await deps.invitations.preview(token);
    try {
      const accepted = await deps.invitations.accept({ token, ...(name ? { name } : {}), ...(password ? { password } : {}) }, { requestId: ctx.state.requestId, ip: ctx.ip });
      return sendPage(ctx, invitationAcceptedPage({ organization: preview.organization.name, createdAccount: accepted.createdAccount }));
    } catch (error) {
      const errors = { name: problemOn(error, 'name'), password: problemOn(error, 'password') };
      if (errors.name || errors.password) return showInvitation(ctx, token, { ...(name ? { name } : {}), errors }, 400);
      throw error;
    }
  });

  router.get(FORGOT_PATH, (ctx) => {
    sendPage(ctx, forgotPasswordPage({ action: FORGOT_PATH, csrf: guard.tokenFor(ctx) }));
  });

  router.post(FORGOT_PATH, form, async (ctx) => {
    const body = ctx.request.body as Body;
    guard.verify(ctx, body.csrf);
    const email = String(body.email ?? '').trim();
    try {
      // Keyed on the email as typed, before any lookup: known and unknown addresses hit the limit alike.
      await deps.rateLimits.consume('forgot-password-per-ip', ctx.ip);
      await deps.rateLimits.consume('forgot-password-per-email', email);
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      ctx.set('Retry-After', String(error.retryAfterSeconds));
      return sendPage(ctx, forgotPasswordPage({ action: FORGOT_PATH, csrf: guard.tokenFor(ctx), email, error: 'Too many requests. Wait a while before asking for another link.' }), 429);
    }
    let request;
    try {
      request = await deps.account.forgotPassword({ email }, { requestId: ctx.state.requestId, ip: ctx.ip });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return sendPage(ctx, forgotPasswordPage({ action: FORGOT_PATH, csrf: guard.tokenFor(ctx), email, error: 'Enter a valid email address.' }), 400);
    }
    // Sent after the answer: waiting for the SMTP round trip would tell an observer that the account exists.
    if (request) {
      const sent = request.ssoOnlyIn.length > 0
        ? deps.mail.sendPasswordUnavailable({ email: request.email, organizations: request.ssoOnlyIn })
        : deps.mail.sendPasswordReset({ email: request.email, token: request.token });
      sent.catch((error: unknown) => {
        deps.logger.error({ err: error, requestId: ctx.state.requestId }, 'password reset email not sent');
      });
    }
    sendPage(ctx, resetLinkSentPage());
  });

  router.get(RESET_PATH, (ctx) => {
    sendPage(ctx, resetPasswordPage({ action: RESET_PATH, csrf: guard.tokenFor(ctx), token: String(ctx.query.token ?? '') }));
  });

  router.post(RESET_PATH, form, async (ctx) => {
    const body = ctx.request.body as Body;
    guard.verify(ctx, body.csrf);
    const token = String(body.token ?? '');
    try {
      await deps.account.resetPassword({ token, newPassword: String(body.newPassword ?? '') }, { requestId: ctx.state.requestId, ip: ctx.ip });
    } catch (error) {
      const message = problemOn(error, 'newPassword');
      if (message) return sendPage(ctx, resetPasswordPage({ action: RESET_PATH, csrf: guard.tokenFor(ctx), token, error: message }), 400);
      if (error instanceof AppError && (error.code === 'reset_token_invalid' || error.code === 'login_method_not_allowed')) {
        return sendPage(ctx, errorPage({ title: 'This link does not work', message: error.message, requestId: ctx.state.requestId }), 400);
      }
      throw error;
    }
    sendPage(ctx, passwordResetDonePage());
  });

  return router;
}
