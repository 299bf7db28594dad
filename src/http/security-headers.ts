import type { Middleware } from 'koa';

/*
 * Baseline headers on every response: no framing (clickjacking), no MIME sniffing, no referrer leaking
 * codes or state in URLs. Pages set their own Content-Security-Policy with script nonces.
 */
export function securityHeaders(): Middleware {
  return async function setSecurityHeaders(ctx, next) {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    await next();
  };
}
