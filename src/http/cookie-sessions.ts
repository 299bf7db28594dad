import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { KvStore } from '../common/kv.ts';

const ID_PATTERN = /^[A-Za-z0-9_-]{32}$/;

export interface CookieSessionOptions {
  /** Cookie name, and the KV key namespace. */
  name: string;
  /** Cookie path: the session is sent to this part of the site only. */
  path: string;
  sameSite: 'strict' | 'lax';
}

/*
 * Small server-side sessions of our own pages (the account page, the admin console): a random id in a signed,
 * HttpOnly cookie scoped to one path, the content in the KV store so that any instance can serve the next
 * request. A session lives the TTL it started with and is never extended.
 */
export function createCookieSessions<T extends object>(kv: KvStore, options: CookieSessionOptions) {
  const key = (id: string) => `${options.name}:${id}`;
  const cookie = (ctx: Context, value: string | null, maxAgeMs?: number) => ctx.cookies.set(options.name, value, {
    signed: true, httpOnly: true, sameSite: options.sameSite, path: options.path, secure: ctx.secure, overwrite: true,
    ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
  });

  return {
    async get(ctx: Context): Promise<(T & { id: string }) | undefined> {
      const id = ctx.cookies.get(options.name, { signed: true });
      if (!id || !ID_PATTERN.test(id)) return undefined;
      const stored = await kv.get<T>(key(id));
      return stored ? { ...stored, id } : undefined;
    },

    async start(ctx: Context, content: T, ttlSeconds: number): Promise<T & { id: string }> {
      const id = randomBytes(24).toString('base64url');
      await kv.set(key(id), content, ttlSeconds);
      cookie(ctx, id, ttlSeconds * 1000);
      return { ...content, id };
    },

    /** New content for a live session, keeping what is left of its lifetime. */
    async replace(id: string, content: T): Promise<void> {
      const remaining = await kv.ttl(key(id));
      if (remaining !== undefined && remaining > 0) await kv.set(key(id), content, remaining);
    },

    async end(ctx: Context, session: { id: string } | undefined): Promise<void> {
      if (session) await kv.delete(key(session.id));
      cookie(ctx, null);
    },
  };
}

export type CookieSessions<T extends object> = ReturnType<typeof createCookieSessions<T>>;
