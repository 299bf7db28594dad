import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { KvStore } from '../common/kv.ts';

const COOKIE = 'bk_account';
const TTL_SECONDS = 15 * 60;
const key = (id: string) => `account-session:${id}`;

export interface AccountSession {
  id: string;
  userId: string;
  /** The password was right but the emailed code is still due. */
  awaitingCode: boolean;
}

/*
 * The account page's own short sign-in, separate from any relying app's session: a random id in a signed,
 * HttpOnly, SameSite=Strict cookie scoped to /account, the state in the KV store (any instance), 15 minutes
 * from sign-in and never extended. Changes on the page ask for the password again on top of it.
 */
export function createAccountSessions(kv: KvStore) {
  return {
    async get(ctx: Context): Promise<AccountSession | undefined> {
      const id = ctx.cookies.get(COOKIE, { signed: true });
      if (!id || !/^[A-Za-z0-9_-]{32}$/.test(id)) return undefined;
      const stored = await kv.get<Omit<AccountSession, 'id'>>(key(id));
      return stored ? { id, ...stored } : undefined;
    },

    async start(ctx: Context, userId: string, awaitingCode: boolean): Promise<AccountSession> {
      const id = randomBytes(24).toString('base64url');
      await kv.set(key(id), { userId, awaitingCode }, TTL_SECONDS);
      ctx.cookies.set(COOKIE, id, { signed: true, httpOnly: true, sameSite: 'strict', path: '/account', secure: ctx.secure, maxAge: TTL_SECONDS * 1000, overwrite: true });
      return { id, userId, awaitingCode };
    },

    /** The code was right: the same session, no longer waiting (its expiry stays what it was). */
    async confirm(session: AccountSession): Promise<void> {
      const remaining = await kv.ttl(key(session.id));
      if (remaining !== undefined && remaining > 0) await kv.set(key(session.id), { userId: session.userId, awaitingCode: false }, remaining);
    },

    async end(ctx: Context, session: AccountSession | undefined): Promise<void> {
      if (session) await kv.delete(key(session.id));
      ctx.cookies.set(COOKIE, null, { path: '/account', overwrite: true });
    },
  };
}

export type AccountSessions = ReturnType<typeof createAccountSessions>;
