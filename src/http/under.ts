import type { Context, Middleware, Next } from 'koa';

/** Any Koa middleware, routers' included (their context type adds `params` and `router`). */
type AnyMiddleware = (ctx: never, next: Next) => unknown;

/**
 * Runs `middleware` only for paths under `prefix` (case-insensitively, as the routers match), so that a request
 * for another part of the server (every /auth and /token request) does not test each route of each router.
 */
export function under(prefix: string, ...middleware: AnyMiddleware[]): Middleware {
  const lower = prefix.toLowerCase();
  return async (ctx, next) => {
    const path = ctx.path.toLowerCase();
    if (path !== lower && !path.startsWith(`${lower}/`)) return next();
    let index = 0;
    const run = (): Promise<void> => {
      const current = middleware[index++] as ((ctx: Context, next: Next) => unknown) | undefined;
      return current ? Promise.resolve(current(ctx, run)).then(() => undefined) : next();
    };
    return run();
  };
}
