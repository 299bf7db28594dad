import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../common/errors.ts';
import type { KvStore } from '../common/kv.ts';
import type { AuditService } from '../directory/audit.ts';
import type { Organization } from '../directory/model.ts';
import type { GoogleConnector } from '../federation/google/connector.ts';
import { GoogleSignInError } from '../federation/google/errors.ts';
import { hostedDomainHint } from '../federation/google/hosted-domain.ts';
import { sendPage } from '../http/pages.ts';
import { errorPage } from '../../views/signin.ts';
import type { UpstreamHandoff } from './upstream-handoff.ts';

export const GOOGLE_CALLBACK_PATH = '/google/callback';
const FLOW_TTL_SECONDS = 600;

/*
 * Google as an upstream OpenID provider (authorization code, PKCE, nonce and state: connector.ts):
 * - start: from the interaction, with the organisation's hosted-domain hint and the typed email as login_hint;
 *   the `state` is tied to the interaction's hand-off handle, so the callback finds its way back
 * - GET /google/callback: one fixed redirect URI for every organisation (as registered with Google); the
 *   answer is validated here, parked, and the browser sent to its interaction (upstream-steps.ts)
 */
const stateUnknown = () => new AppError(400, 'google_state_unknown', 'This Google sign-in has expired or was already used. Please start again.');

export function createGoogleSignIn(deps: { google: GoogleConnector; kv: KvStore; handoff: UpstreamHandoff; audit: Pick<AuditService, 'record'> }) {
  const flowKey = (state: string) => `google-flow:${state}`;

  async function start(ctx: Context, uid: string, org: Organization | undefined, loginHint: string | undefined): Promise<void> {
    const hint = org ? hostedDomainHint(org.loginPolicy) : undefined;
    // Independent records, stored side by side; one left behind by a failure of the other expires unused.
    const [handle, { redirectUrl, transactionId }] = await Promise.all([
      deps.handoff.begin(uid, 'google'),
      deps.google.start({ ...(org ? { orgId: org.id } : {}), ...(loginHint ? { loginHint } : {}), ...(hint ? { hostedDomain: hint } : {}) }),
    ]);
    await deps.kv.set(flowKey(transactionId), { handle }, FLOW_TTL_SECONDS);
    ctx.status = 303;
    ctx.redirect(redirectUrl);
  }

  const router = new Router();
  router.get(GOOGLE_CALLBACK_PATH, async (ctx) => {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    if (!state) throw stateUnknown();
    // The flow and the connector's transaction were stored together under this state, and are taken together:
    // for a state nobody started both are missing, and the connector asks Google nothing.
    const [flowRead, completed] = await Promise.allSettled([
      deps.kv.consume<{ handle: string }>(flowKey(state)),
      deps.google.complete({ callbackUrl: new URL(ctx.originalUrl, 'http://callback.invalid'), expected: { state } }),
    ]);
    if (flowRead.status === 'rejected') throw flowRead.reason;
    const flow = flowRead.value;
    if (!flow) throw stateUnknown();
    let identity;
    try {
      if (completed.status === 'rejected') throw completed.reason;
      identity = completed.value;
    } catch (error) {
      if (!(error instanceof GoogleSignInError)) throw error;
      await deps.audit.record({ actor: 'anonymous', orgId: null, requestId: ctx.state.requestId as string, ip: ctx.ip }, 'signin.failed', {
        outcome: 'failure', details: { method: 'google', reason: error.code, detail: error.reason },
      });
      return sendPage(ctx, errorPage({ title: 'Google sign-in failed', message: error.message, requestId: ctx.state.requestId }), error.status >= 500 ? 503 : error.status);
    }
    const handoff = await deps.handoff.arrive(flow.handle, 'google');
    if (!handoff) throw stateUnknown();
    await deps.handoff.park(ctx, flow.handle, handoff.uid, identity);
    ctx.status = 303;
    ctx.redirect(`/interaction/${handoff.uid}/upstream?handle=${encodeURIComponent(flow.handle)}`);
  });

  return { start, router };
}
