import type { Context, Middleware } from 'koa';
import type { Metrics } from './metrics.ts';

/*
 * - one observation per request, after every inner middleware (the error handler included) has set the status
 * - `route` is the template the router matched (@koa/router and oidc-provider's router both leave it in
 *   ctx._matchedRoute), or `unmatched`: a raw path would put ids and tokens into labels and give an attacker
 *   a way to create series without bound; for the same reason an unknown method is counted as `OTHER`
 */

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function metricsMiddleware(metrics: Pick<Metrics, 'httpRequestDuration'>): Middleware {
  return async (ctx, next) => {
    const end = metrics.httpRequestDuration.startTimer();
    let status: number | undefined;
    try {
      await next();
    } catch (error) {
      // Only reached when nothing inside handled it; Koa answers with the error's status, or 500.
      const exposed = (error as { status?: unknown }).status;
      status = typeof exposed === 'number' ? exposed : 500;
      throw error;
    } finally {
      end({ method: METHODS.has(ctx.method) ? ctx.method : 'OTHER', route: routeTemplate(ctx), status_class: statusClass(status ?? ctx.status) });
    }
  };
}

export function routeTemplate(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  return typeof matched === 'string' ? matched : 'unmatched';
}

function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}
