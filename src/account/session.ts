import type { Context } from 'koa';
import type { KvStore } from '../common/kv.ts';
import { createCookieSessions } from '../http/cookie-sessions.ts';

const TTL_SECONDS = 15 * 60;
const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface AccountSession {
  id: string;
  userId: string;
  /** The password was right but the emailed code is still due. */
  awaitingCode: boolean;
  /** When it signed in (seconds): a password set since ends it (predatesPasswordChange). */
  since?: number;
}

/*
 * The account page's own short sign-in, separate from any relying app's session: SameSite=Strict, scoped to
 * /account, 15 minutes from sign-in. Changes on the page ask for the password again on top of it.
 */
export function createAccountSessions(kv: KvStore) {
  const sessions = createCookieSessions<Omit<AccountSession, 'id'>>(kv, { name: 'bk_account', path: '/account', sameSite: 'strict' });
  return {
    get: (ctx: Context): Promise<AccountSession | undefined> => sessions.get(ctx),
    start: (ctx: Context, userId: string, awaitingCode: boolean): Promise<AccountSession> => sessions.start(ctx, { userId, awaitingCode, since: nowSeconds() }, TTL_SECONDS),
    /** The code was right: the same session, no longer waiting (its expiry stays what it was). */
    confirm: (session: AccountSession) => sessions.replace(session.id, { userId: session.userId, awaitingCode: false, ...(session.since ? { since: session.since } : {}) }),
    /** The password was set in this very session: it goes on, the others end. */
    renew: (session: AccountSession) => sessions.replace(session.id, { userId: session.userId, awaitingCode: session.awaitingCode, since: nowSeconds() }),
    end: (ctx: Context, session: AccountSession | undefined) => sessions.end(ctx, session),
  };
}

export type AccountSessions = ReturnType<typeof createAccountSessions>;
