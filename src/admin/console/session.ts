import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { KvStore } from '../../common/kv.ts';

const COOKIE = 'bk_console';
const COOKIE_PATH = '/console';
const ID_PATTERN = /^[A-Za-z0-9_-]{32}$/;
const key = (id: string) => `console-session:${id}`;

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
 * The console's own session: a random id in a signed, HttpOnly, SameSite=Lax cookie scoped to /console, the
 * tokens in the KV store (any instance can serve the next request). It lives as long as its access token;
 * after that the console signs in again, silently while the Bridgekeeper session lasts. Lax, not Strict: the
 * first request after the sign-in redirect must carry it; every change is a POST with a CSRF token anyway.
 */
export function createConsoleSessions(kv: KvStore) {
  return {
    async get(ctx: Context): Promise<ConsoleSession | undefined> {
      const id = ctx.cookies.get(COOKIE, { signed: true });
      if (!id || !ID_PATTERN.test(id)) return undefined;
      const stored = await kv.get<Omit<ConsoleSession, 'id'>>(key(id));
      return stored ? { id, ...stored } : undefined;
    },

    async start(ctx: Context, content: Omit<ConsoleSession, 'id'>, ttlSeconds: number): Promise<ConsoleSession> {
      const id = randomBytes(24).toString('base64url');
      await kv.set(key(id), content, ttlSeconds);
      ctx.cookies.set(COOKIE, id, {
        signed: true, httpOnly: true, sameSite: 'lax', path: COOKIE_PATH, secure: ctx.secure, maxAge: ttlSeconds * 1000, overwrite: true,
      });
      return { id, ...content };
    },

    async end(ctx: Context, session: ConsoleSession | undefined): Promise<void> {
      if (session) await kv.delete(key(session.id));
      ctx.cookies.set(COOKIE, null, { path: COOKIE_PATH, overwrite: true });
    },
  };
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;
