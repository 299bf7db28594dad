import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { routeTemplate } from '../metrics/http.ts';

/*
 * One log line per request, carrying the request id: method, the route template (never the raw path or the
 * query string, which hold interaction ids, codes, tokens and link secrets), status and duration. Health
 * probes are left out: they would drown everything else.
 */
export function accessLog(logger: Logger): Middleware {
  return async function logRequest(ctx, next) {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      if (ctx.path !== '/healthz' && ctx.path !== '/readyz' && logger.isLevelEnabled('info')) {
        logger.info({
          requestId: ctx.state.requestId,
          method: ctx.method,
          route: routeTemplate(ctx),
          status: ctx.status,
          ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
          ip: ctx.ip,
        }, 'request');
      }
    }
  };
}
