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
export function createGoogleSignIn(deps: { google: GoogleConnector; kv: KvStore; handoff: UpstreamHandoff; audit: Pick<AuditService, 'record'> }) {
  const flowKey = (state: string) => `google-flow:${state}`;

  async function start(ctx: Context, uid: string, org: Organization | undefined, loginHint: string | undefined): Promise<void> {
    const handle = await deps.handoff.begin(uid, 'google');
    const hint = org ? hostedDomainHint(org.loginPolicy) : undefined;
    const { redirectUrl, transactionId } = await deps.google.start({
      ...(org ? { orgId: org.id } : {}), ...(loginHint ? { loginHint } : {}), ...(hint ? { hostedDomain: hint } : {}),
    });
    await deps.kv.set(flowKey(transactionId), { handle }, FLOW_TTL_SECONDS);
    ctx.status = 303;
    ctx.redirect(redirectUrl);
  }

  const router = new Router();
  router.get(GOOGLE_CALLBACK_PATH, async (ctx) => {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const flow = state ? await deps.kv.consume<{ handle: string }>(flowKey(state)) : undefined;
    if (!flow) throw new AppError(400, 'google_state_unknown', 'This Google sign-in has expired or was already used. Please start again.');
    let identity;
    try {
      identity = await deps.google.complete({ callbackUrl: new URL(ctx.originalUrl, 'http://callback.invalid'), expected: { state } });
    } catch (error) {
      if (!(error instanceof GoogleSignInError)) throw error;
      await deps.audit.record({ actor: 'anonymous', orgId: null, requestId: ctx.state.requestId as string, ip: ctx.ip }, 'signin.failed', {
        outcome: 'failure', details: { method: 'google', reason: error.code, detail: error.reason },
      });
      return sendPage(ctx, errorPage({ title: 'Google sign-in failed', message: error.message, requestId: ctx.state.requestId }), error.status >= 500 ? 503 : error.status);
    }
    const handoff = await deps.handoff.arrive(flow.handle, 'google');
    if (!handoff) throw new AppError(400, 'google_state_unknown', 'This Google sign-in has expired or was already used. Please start again.');
    await deps.handoff.park(flow.handle, handoff.uid, identity);
    ctx.status = 303;
    ctx.redirect(`/interaction/${handoff.uid}/upstream?handle=${encodeURIComponent(flow.handle)}`);
  });

  return { start, router };
}
