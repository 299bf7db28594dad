import type { Context } from 'koa';
import { AppError } from '../../common/errors.ts';
import type { Csrf } from '../../interaction/csrf.ts';
import type { ConsoleSession } from './session.ts';

/*
 * CSRF protection of every console form: the form carries an HMAC of the session id (a synchronizer token
 * bound to the session rather than a second cookie). The session cookie is HttpOnly and SameSite=Lax, so a
 * cross-site page can neither read the id nor compute the HMAC, and a token stolen from one session is
 * worthless in another. Without a session there is nothing to protect: the request goes to sign-in.
 */
export function createConsoleCsrf(csrf: Csrf) {
  const binding = (session: ConsoleSession) => `console:${session.id}`;
  return {
    tokenFor: (session: ConsoleSession) => csrf.tokenFor(binding(session)),

    /** @throws AppError 403 `csrf` */
    verify(ctx: Context, session: ConsoleSession | undefined): void {
      const presented = (ctx.request.body as Record<string, unknown> | undefined)?.csrf;
      if (!session || !csrf.verify(binding(session), presented)) {
        throw new AppError(403, 'csrf', 'The form has expired. Open the page again and retry.');
      }
    },
  };
}

export type ConsoleCsrf = ReturnType<typeof createConsoleCsrf>;
