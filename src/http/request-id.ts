import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';

const INCOMING = /^[A-Za-z0-9._-]{8,128}$/;

/*
 * - every request gets an id, echoed in X-Request-Id and carried by every log line and error page
 * - an incoming X-Request-Id is kept only when it looks like an id (it ends up in logs and audit events)
 */
export function requestId(): Middleware {
  return async function assignRequestId(ctx, next) {
    const incoming = ctx.get('x-request-id');
    ctx.state.requestId = INCOMING.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  };
}
