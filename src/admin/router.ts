import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import { ValidationError } from '../common/errors.ts';
import { issueProblems } from '../common/problems.ts';
import type { Actor } from '../directory/actor.ts';
import { API_PREFIX, buildOpenApi } from './openapi.ts';
import type { Operation } from './route.ts';

export interface AdminRouterDeps {
  operations: readonly Operation[];
  /** Resolves the caller from the request's credentials; throws UnauthenticatedError. */
  authenticate(ctx: Context): Promise<Actor>;
  serverUrl: string;
  version: string;
}

/*
 * /admin/v1: JSON in and out.
 * - every operation authenticates first (401), then validates path, query and body against its schemas (400
 *   with the offending paths), then runs; errors become `{ code, message }` in the common error handler
 * - responses are never cached; the OpenAPI document is public at /admin/v1/openapi.json
 */
export function createAdminRouter(deps: AdminRouterDeps): Router {
  const router = new Router({ prefix: API_PREFIX });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', encoding: 'utf-8' });
  const document = buildOpenApi(deps.operations, { serverUrl: deps.serverUrl, version: deps.version });

  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });

  for (const op of deps.operations) {
    const koaPath = op.path.replace(/\{(\w+)\}/g, ':$1');
    router[op.method](koaPath, json, async (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      const actor = await deps.authenticate(ctx);
      const params = parse(op.params, ctx.params, 'path');
      const query = parse(op.query, ctx.query, 'query');
      const body = op.body ? parse(op.body, ctx.request.body ?? {}, 'body') : undefined;
      const result = await op.handle({ actor: { ...actor, requestId: ctx.state.requestId, ip: ctx.ip }, params, query, body });
      ctx.status = op.status ?? 200;
      if (ctx.status !== 204) ctx.body = result;
    });
  }
  return router;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError(`invalid ${where}`, parsed.error.issues.flatMap((issue) => issueProblems(issue, [where])));
}
