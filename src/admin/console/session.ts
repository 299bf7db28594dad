import type { Context } from 'koa';
import type { KvStore } from '../../common/kv.ts';
import { createCookieSessions } from '../../http/cookie-sessions.ts';

export interface ConsoleSession {
  id: string;
  /** The access token (scope `admin`) the console acts with; the actor is rebuilt from it on every request. */
  accessToken: string;
  /** For the end-session request (RP-Initiated Logout 1.0 `id_token_hint`). */
  idToken: string;
  name: string;
  email: string;
}

/*
 * The console's own session (http/cookie-sessions.ts), scoped to /console, holding the tokens. It lives as long
 * as its access token; after that the console signs in again, silently while the Bridgekeeper session lasts. Lax, not Strict: the
 * first request after the sign-in redirect must carry it; every change is a POST with a CSRF token anyway.
 */
export function createConsoleSessions(kv: KvStore) {
  const sessions = createCookieSessions<Omit<ConsoleSession, 'id'>>(kv, { name: 'bk_console', path: '/console', sameSite: 'lax' });
  return {
    get: (ctx: Context): Promise<ConsoleSession | undefined> => sessions.get(ctx),
    start: (ctx: Context, content: Omit<ConsoleSession, 'id'>, ttlSeconds: number): Promise<ConsoleSession> => sessions.start(ctx, content, ttlSeconds),
    end: (ctx: Context, session: ConsoleSession | undefined) => sessions.end(ctx, session),
  };
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;
