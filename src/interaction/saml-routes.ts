import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../common/errors.ts';
import type { AuditService } from '../directory/audit.ts';
import type { Connection } from '../federation/model.ts';
import type { ConnectionStore } from '../federation/ports.ts';
import type { SamlConnector } from '../federation/saml/connector.ts';
import { SamlValidationError } from '../federation/saml/errors.ts';
import { sendPage } from '../http/pages.ts';
import { errorPage } from '../../views/signin.ts';
import type { UpstreamHandoff } from './upstream-handoff.ts';

export interface SamlRoutesDeps {
  connections: Pick<ConnectionStore, 'find'>;
  saml: Pick<SamlConnector, 'completeSignIn' | 'spMetadata'>;
  handoff: UpstreamHandoff;
  audit: Pick<AuditService, 'record'>;
}

const ID = /^[0-9a-z]{26}$/;

/*
 * The service-provider endpoints of each SAML connection:
 * - GET /saml/:connectionId/metadata: our metadata, for the IdP's admin to import
 * - POST /saml/:connectionId/acs: the assertion consumer service (HTTP-POST binding). Everything the connector
 *   checks is checked before anything else happens; a refusal shows a page with a reference id and records the
 *   precise reason for the organisation's admins; no session, no user change
 * The body is capped below what a browser form could carry, above the connector's own 256 KiB cap.
 */
export function createSamlRoutes(deps: SamlRoutesDeps): Router {
  const router = new Router({ prefix: '/saml/:connectionId' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '400kb' });

  async function connectionOf(ctx: Context): Promise<Connection> {
    const id = String(ctx.params.connectionId);
    const connection = ID.test(id) ? await deps.connections.find(id) : undefined;
    if (!connection || connection.kind !== 'saml') throw new AppError(404, 'not_found', 'Unknown SAML connection');
    return connection;
  }

  function refuse(ctx: Context) {
    return sendPage(ctx, errorPage({
      title: 'Sign-in failed',
      message: 'Your organization\'s identity provider sent a response that could not be accepted. Try again from the application; if it keeps happening, give your administrator this reference.',
      requestId: ctx.state.requestId,
    }), 400);
  }

  router.get('/metadata', async (ctx) => {
    const connection = await connectionOf(ctx);
    ctx.type = 'application/samlmetadata+xml';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = deps.saml.spMetadata(connection);
  });

  router.post('/acs', form, async (ctx) => {
    const connection = await connectionOf(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const samlResponse = typeof body.SAMLResponse === 'string' ? body.SAMLResponse : '';
    const relayState = typeof body.RelayState === 'string' ? body.RelayState : undefined;
    const source = { actor: 'anonymous', orgId: connection.orgId, requestId: ctx.state.requestId as string, ip: ctx.ip };
    const failed = (reason: string, detail: string) => deps.audit.record(source, 'signin.failed', {
      outcome: 'failure', target: `connection:${connection.id}`, details: { method: 'saml', reason, detail },
    });
    let identity;
    try {
      ({ identity } = await deps.saml.completeSignIn(connection, { samlResponse, ...(relayState ? { relayState } : {}) }));
    } catch (error) {
      if (!(error instanceof SamlValidationError)) throw error;
      await failed(error.reason, error.detail);
      return refuse(ctx);
    }
    // IdP-initiated responses have no interaction to return to; Bridgekeeper only finishes sign-ins it began.
    const handoff = relayState ? await deps.handoff.arrive(relayState, connection.id) : undefined;
    if (!handoff) {
      await failed('no_sign_in_in_progress', 'the response answers no sign-in begun here (unknown or used RelayState)');
      return refuse(ctx);
    }
    await deps.handoff.park(relayState!, handoff.uid, identity);
    ctx.status = 303;
    ctx.redirect(`/interaction/${handoff.uid}/upstream?handle=${encodeURIComponent(relayState!)}`);
  });

  return router;
}
