import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { RateLimits } from '../abuse/index.ts';
import { AppError } from '../common/errors.ts';
import { TooManyRequestsError } from '../common/too-many-requests.ts';
import type { AuditService } from '../directory/audit.ts';
import type { Connection } from '../federation/model.ts';
import type { ConnectionStore } from '../federation/ports.ts';
import type { SamlConnector } from '../federation/saml/connector.ts';
import { SamlValidationError } from '../federation/saml/errors.ts';
import { sendPage } from '../http/pages.ts';
import { errorPage } from '../../views/signin.ts';
import { TEST_PREFIX, type UpstreamHandoff } from './upstream-handoff.ts';
import { applyMappingRules, storedMappingRules } from '../directory/mapping-rules.ts';
import type { GroupStore } from '../directory/ports.ts';
import type { ExternalIdentity } from '../federation/connector.ts';
import { connectionTestPage } from '../../views/connection-test.ts';

export interface SamlRoutesDeps {
  connections: Pick<ConnectionStore, 'find'>;
  groups: Pick<GroupStore, 'findByName'>;
  saml: Pick<SamlConnector, 'startSignIn' | 'completeSignIn' | 'spMetadata'>;
  handoff: UpstreamHandoff;
  audit: Pick<AuditService, 'record'>;
  /** `saml-refused-per-ip`: refusals are counted per address, and an address past its budget is not read. */
  rateLimits: Pick<RateLimits, 'check' | 'consume'>;
  /** Our issuer, for IdP-initiated sign-ins handed to a relying app (`iss`). */
  issuer: string;
}

const ID = /^[0-9a-z]{26}$/;

/*
 * The service-provider endpoints of each SAML connection:
 * - GET /saml/:connectionId/metadata: our metadata, for the IdP's admin to import
 * - POST /saml/:connectionId/acs: the assertion consumer service (HTTP-POST binding). Everything the connector
 *   checks is checked before anything else happens; a refusal shows a page with a reference id and records the
 *   precise reason for the organisation's admins; no session, no user change. Each refusal counts against the
 *   client address (`saml-refused-per-ip`); an address that has spent its budget gets 429 with Retry-After
 *   before its response is read or anything is recorded, until the window ends
 * - GET /saml/:connectionId/test/:handle: an admin's test sign-in (the handle comes from the admin API); it
 *   ends on a page showing the identity and what the mapping rules make of it, with no session and no writes
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

  async function testResult(ctx: Context, connection: Connection, identity: ExternalIdentity) {
    const access = applyMappingRules(storedMappingRules((connection.mapping as { rules?: unknown }).rules), identity);
    const found = await Promise.all(access.groups.map(async (name) => [name, await deps.groups.findByName(connection.orgId, name)] as const));
    sendPage(ctx, connectionTestPage({
      connection: connection.name, identity,
      mapped: { groups: found.filter(([, g]) => g).map(([n]) => n), unknownGroups: found.filter(([, g]) => !g).map(([n]) => n), roles: access.roles.map((b) => b.role) },
    }));
  }

  /*
   * An IdP-initiated response (the connection allows them; the connector checked everything but InResponseTo)
   * never signs anyone in by itself: the browser goes to the relying app's login-initiation URL (OIDC Core 4),
   * which starts an ordinary sign-in that comes back here solicited. So no session rests on an unsolicited
   * assertion, and its RelayState is never used as a redirect target.
   */
  async function idpInitiated(ctx: Context, connection: Connection, email: string | undefined, failed: (reason: string, detail: string) => Promise<unknown>) {
    const target = connection.settings.idpInitiatedLoginUrl;
    if (typeof target !== 'string' || !connection.enabled) {
      await failed('idp_initiated_without_target', 'IdP-initiated sign-in is allowed but no idpInitiatedLoginUrl is set (or the connection is disabled)');
      return refuse(ctx);
    }
    const url = new URL(target);
    url.searchParams.set('iss', deps.issuer);
    if (email) url.searchParams.set('login_hint', email);
    ctx.status = 303;
    ctx.redirect(url.href);
  }

  router.get('/test/:handle', async (ctx) => {
    const connection = await connectionOf(ctx);
    const handle = String(ctx.params.handle);
    const pending = await deps.handoff.pending(handle);
    if (!pending?.uid.startsWith(TEST_PREFIX) || pending.connectionId !== connection.id) {
      throw new AppError(404, 'not_found', 'This test sign-in link is not valid or has expired');
    }
    const { redirectUrl } = await deps.saml.startSignIn(connection, { relayState: handle, forceAuthn: true });
    ctx.status = 303;
    ctx.redirect(redirectUrl);
  });

  router.post('/acs', form, async (ctx) => {
    const connection = await connectionOf(ctx);
    await deps.rateLimits.check('saml-refused-per-ip', ctx.ip);
    const body = ctx.request.body as Record<string, unknown>;
    const samlResponse = typeof body.SAMLResponse === 'string' ? body.SAMLResponse : '';
    const relayState = typeof body.RelayState === 'string' ? body.RelayState : undefined;
    const source = { actor: 'anonymous', orgId: connection.orgId, requestId: ctx.state.requestId as string, ip: ctx.ip };
    const failed = async (reason: string, detail: string) => {
      await deps.audit.record(source, 'signin.failed', {
        outcome: 'failure', target: `connection:${connection.id}`, details: { method: 'saml', reason, detail },
      });
      try {
        await deps.rateLimits.consume('saml-refused-per-ip', ctx.ip);
      } catch (error) {
        // This refusal spent the last point (or a concurrent one did): it is still answered as a refusal.
        if (!(error instanceof TooManyRequestsError)) throw error;
      }
    };
    let identity;
    let requestId: string | undefined;
    try {
      ({ identity, requestId } = await deps.saml.completeSignIn(connection, { samlResponse, ...(relayState ? { relayState } : {}) }));
    } catch (error) {
      if (!(error instanceof SamlValidationError)) throw error;
      await failed(error.reason, error.detail);
      return refuse(ctx);
    }
    // An unsolicited response answers no request, so it finishes no sign-in, whatever its RelayState names (and
    // leaves that sign-in's hand-off unused, for its own answer).
    if (!requestId) return idpInitiated(ctx, connection, identity.email, failed);
    const handoff = relayState ? await deps.handoff.arrive(relayState, connection.id) : undefined;
    if (!handoff) {
      await failed('no_sign_in_in_progress', 'the response answers no sign-in begun here (unknown or used RelayState)');
      return refuse(ctx);
    }
    if (handoff.uid.startsWith(TEST_PREFIX)) return testResult(ctx, connection, identity);
    await deps.handoff.park(ctx, relayState!, handoff.uid, identity);
    ctx.status = 303;
    ctx.redirect(`/interaction/${handoff.uid}/upstream?handle=${encodeURIComponent(relayState!)}`);
  });

  return router;
}
