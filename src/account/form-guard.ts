import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { AppError } from '../common/errors.ts';
import type { Csrf } from '../interaction/csrf.ts';

const COOKIE = 'bk_account_form';
const COOKIE_PATH = '/account';

/*
 * CSRF protection of the anonymous account forms (double submit): a random value in a signed, HttpOnly,
 * SameSite=Strict cookie, and the form carries an HMAC of it. A cross-site page can neither read the cookie
 * nor compute the HMAC, so it cannot post a form that passes.
 */
export function createFormGuard(csrf: Csrf) {
  return {
    /** The token for the form of this page, setting the browser's cookie when it has none yet. */
    tokenFor(ctx: Context): string {
      let value = ctx.cookies.get(COOKIE, { signed: true });
      if (!value || !/^[A-Za-z0-9_-]{22}$/.test(value)) {
        value = randomBytes(16).toString('base64url');
        ctx.cookies.set(COOKIE, value, { signed: true, httpOnly: true, sameSite: 'strict', path: COOKIE_PATH, secure: ctx.secure, overwrite: true });
      }
      return csrf.tokenFor(`account:${value}`);
    },

    /** @throws AppError 403 `csrf` */
    verify(ctx: Context, presented: unknown): void {
      const value = ctx.cookies.get(COOKIE, { signed: true });
      if (!value || !csrf.verify(`account:${value}`, presented)) {
        throw new AppError(403, 'csrf', 'The form has expired. Please open the link again.');
      }
    },
  };
}

export type FormGuard = ReturnType<typeof createFormGuard>;
