import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { errorPage } from '../../views/signin.ts';
import { AppError, ValidationError } from '../common/errors.ts';
import { PAGE_CSP } from './pages.ts';

/*
 * The one error handler at the top of the chain:
 * - AppErrors answer with their status and `{ code, message }`; only `expose`d messages reach the client
 * - anything else is a 500 with a generic message; the details go to the log with the request id
 * - browsers get an error page, API clients JSON
 * - no stack traces or internal messages are ever sent
 */
export function errorHandler(logger: Logger): Middleware {
  return async function handleErrors(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) ctx.throw(404);
    } catch (caught) {
      const error = caught as Error & { status?: number; expose?: boolean; code?: string };
      const status = error instanceof AppError ? error.status : normalStatus(error.status);
      const expose = error instanceof AppError ? error.expose : status < 500 && error.expose !== false;
      const code = error instanceof AppError ? error.code : codeFor(status);
      const requestId = ctx.state.requestId as string | undefined;
      if (status >= 500) logger.error({ err: error, requestId }, 'request failed');
      else logger.info({ requestId, status, code }, error.message);
      // A dependency that is down (503) says so and invites a retry: the request may well succeed in a moment.
      const message = expose ? error.message : status === 503 ? TEMPORARILY_UNAVAILABLE : 'Internal server error';
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      if (ctx.accepts('json', 'html') === 'html') {
        ctx.type = 'html';
        ctx.set('Content-Security-Policy', PAGE_CSP);
        const title = status === 503 ? 'Temporarily unavailable' : status >= 500 ? 'Something went wrong' : 'This request cannot continue';
        ctx.body = errorPage({ title, message, requestId }).value;
      } else {
        ctx.body = { code, message, requestId, ...(error instanceof ValidationError ? { details: error.details } : {}) };
      }
    }
  };
}

const TEMPORARILY_UNAVAILABLE = 'The service is temporarily unavailable. Please try again in a moment.';

function normalStatus(status: number | undefined): number {
  return status !== undefined && status >= 400 && status < 600 ? status : 500;
}

function codeFor(status: number): string {
  switch (status) {
    case 400: return 'invalid_request';
    case 401: return 'unauthorized';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 405: return 'method_not_allowed';
    case 413: return 'payload_too_large';
    case 429: return 'too_many_requests';
    case 503: return 'service_unavailable';
    default: return status >= 500 ? 'internal_error' : 'request_error';
  }
}
