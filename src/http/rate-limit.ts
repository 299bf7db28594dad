import type { Context, Middleware } from 'koa';
import { TooManyRequestsError } from '../common/too-many-requests.ts';

/*
 * The HTTP side of rate limits:
 * - clientIp: the address a per-IP limit counts. It is Koa's ctx.ip, which honours X-Forwarded-For only when
 *   the app was made with `proxy: true` (config server.trustProxy), so there is one switch, not two that can
 *   disagree. Koa then takes the *left-most* entry, which the client writes itself; behind N proxies the app
 *   must also set `maxIpsCount: N` so that only the entries the proxies appended are read, or every request
 *   can claim an address of its choosing and escape the per-IP limits
 * - retryAfterOnLimit: sets Retry-After (RFC 6585 §4, RFC 9110 §10.2.3) on the way out of any
 *   TooManyRequestsError; mounted just inside the error handler, which keeps headers already set
 */

export function clientIp(ctx: Pick<Context, 'ip'>): string {
  return ctx.ip;
}

export function retryAfterOnLimit(): Middleware {
  return async function setRetryAfter(ctx, next) {
    try {
      await next();
    } catch (error) {
      if (error instanceof TooManyRequestsError) ctx.set('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
  };
}
