import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { KvStore } from '../../common/kv.ts';
import { AppError } from '../../common/errors.ts';
import type { Actor } from '../../directory/actor.ts';
import type { Catalog } from '../../directory/catalog.ts';
import type { Directory } from '../../directory/directory.ts';
import type { DomainVerification } from '../../directory/domain-verification.ts';
import type { OrganizationSettings } from '../../directory/organization-settings.ts';
import { localeOf } from '../../i18n/locale.ts';
import type { Csrf } from '../../interaction/csrf.ts';
import { sendPage } from '../../http/pages.ts';
import { consoleErrorPage, signedOutPage, signInFailedPage } from '../../../views/console/frame.ts';
import { consoleText } from '../../../views/console/text.ts';
import type { InvitationDelivery } from '../invitation-delivery.ts';
import type { ConnectionOperationDeps } from '../operations/connections.ts';
import { addApiKeyRoutes } from './api-key-routes.ts';
import { addAuditRoutes } from './audit-routes.ts';
import { addConnectionRoutes } from './connection-routes.ts';
import { consoleRequest, requireConsoleSession } from './context.ts';
import { createConsoleCsrf } from './csrf.ts';
import { errorMessage } from './form.ts';
import { addGroupRoutes } from './group-routes.ts';
import { addInvitationRoutes } from './invitation-routes.ts';
import { addMappingRoutes } from './mapping-routes.ts';
import { addMemberRoutes } from './member-routes.ts';
import { addOrganizationRoutes } from './organization-routes.ts';
import { createConsoleSessions } from './session.ts';
import { addConsoleSignIn, type ConsoleClient } from './sign-in.ts';

export interface ConsoleDeps {
  client: ConsoleClient;
  kv: KvStore;
  csrf: Csrf;
  /** The admin API's rule for access tokens (createAccessTokenActors). */
  actorForAccessToken(accessToken: string): Promise<Actor | undefined>;
  directory: Directory;
  settings: OrganizationSettings;
  catalog: Catalog;
  connections: ConnectionOperationDeps;
  invitations: InvitationDelivery;
  domains?: DomainVerification;
}

/*
 * /console: the admin console, server-rendered, no script. Each page calls the same directory and connection
 * services as /admin/v1 with the same Actor, so every permission rule is the services' own.
 * - sign-in, callback, sign-out and the signed-out page are public; everything else needs a console session
 * - a refused action (403, 404, 409, ...) becomes a console page with the reason; a 5xx goes to the common
 *   error handler (logged with the request id, generic message)
 */
export function createConsoleRouter(deps: ConsoleDeps): Router {
  const router = new Router({ prefix: '/console' });
  const sessions = createConsoleSessions(deps.kv);
  const csrf = createConsoleCsrf(deps.csrf);
  router.use(bodyParser({ enableTypes: ['form'], formLimit: '1100kb' }));

  addConsoleSignIn(router, {
    client: deps.client, kv: deps.kv, sessions,
    failed: (ctx, reason) => sendPage(ctx, signInFailedPage(consoleText(localeOf(ctx)), reason), 400),
    verifyForm: (ctx, session) => csrf.verify(ctx, session),
  });
  router.get('/signed-out', (ctx) => sendPage(ctx, signedOutPage(consoleText(localeOf(ctx)))));

  const pages = new Router();
  pages.use(requireConsoleSession({ sessions, csrf, actorForAccessToken: deps.actorForAccessToken }), refusalsAsPages);
  pages.get('/', (ctx) => {
    ctx.status = 303;
    ctx.redirect('/console/organization');
  });
  addOrganizationRoutes(pages, { settings: deps.settings, ...(deps.domains ? { domains: deps.domains } : {}) });
  addMemberRoutes(pages, { directory: deps.directory, settings: deps.settings, catalog: deps.catalog });
  addInvitationRoutes(pages, { directory: deps.directory, delivery: deps.invitations, settings: deps.settings, catalog: deps.catalog });
  addGroupRoutes(pages, { groups: deps.directory.groups, settings: deps.settings, catalog: deps.catalog });
  addConnectionRoutes(pages, { connections: deps.connections, catalog: deps.catalog });
  addMappingRoutes(pages, { connections: deps.connections.connections });
  addApiKeyRoutes(pages, { apiKeys: deps.directory.apiKeys, catalog: deps.catalog });
  addAuditRoutes(pages, { audit: deps.directory.audit });
  router.use(pages.routes(), pages.allowedMethods());
  return router;
}

async function refusalsAsPages(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (error) {
    const status = error instanceof AppError ? error.status : (error as { status?: number }).status;
    if (status === undefined || status >= 500) throw error;
    const { view, t } = consoleRequest(ctx);
    const message = error instanceof AppError && error.expose ? errorMessage(t, error) : t(status === 404 ? 'error.not_found' : 'error.forbidden');
    sendPage(ctx, consoleErrorPage(view, message, ctx.state.requestId as string | undefined), status);
  }
}
