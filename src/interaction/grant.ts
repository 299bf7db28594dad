import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { LoginMethod } from '../directory/model.ts';
import type { GrantContexts, GrantLogin } from '../oidc/grant-context.ts';
import { TOKEN_TTL } from '../oidc/provider.ts';
import { withSecondFactor } from './second-factor.ts';
import type { JourneyState } from './state.ts';

export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/*
 * The end of a journey: the grant (requested scopes and claims, the chosen organisation beside it for the
 * claims), and the login result when the user authenticated in this interaction or stepped up with a code.
 * acr: loa:2 with the emailed code, loa:1 with one factor.
 */
export async function finishInteraction(
  ctx: Context,
  deps: { provider: Provider; grantContexts: GrantContexts },
  input: { details: Details; state: JourneyState; userId: string; orgId: string; sessionLogin?: GrantLogin },
): Promise<{ redirectTo: string; login?: { amr: string[]; method: LoginMethod } }> {
  const { details, state, userId, sessionLogin } = input;
  const grant = new deps.provider.Grant({ accountId: userId, clientId: String(details.params.client_id) });
  // The grant's id is chosen here (256 random bits, as oidc-provider's own) so that its context is stored beside
  // it at once; oidc-provider keeps an id given before save (its types do not declare it on Grant).
  const grantId = randomBytes(32).toString('base64url');
  (grant as unknown as { jti: string }).jti = grantId;
  grant.addOIDCScope(requestedScopes(details).join(' '));
  const claims = requestedClaims(details);
  if (claims.length > 0) grant.addOIDCClaims(claims);
  const result: InteractionResults = { consent: { grantId } };
  // Authenticated in this interaction (a first factor, or a code on top of the session's): a new login result.
  const freshLogin = state.userId !== undefined;
  // A code passed in this journey steps up the session only when it was the session's own account that passed it.
  const steppedUp = !freshLogin && state.otpVerifiedFor === userId && sessionLogin !== undefined;
  // The login this grant is made under: the session's, or the one this interaction makes.
  let login: GrantLogin | undefined = sessionLogin;
  if (freshLogin || steppedUp) {
    // A second factor passed on top of an existing session renews the login with the stronger amr.
    const amr = steppedUp ? withSecondFactor(details.session?.amr ?? []) : state.amr ?? ['pwd'];
    const acr = amr.includes('otp') ? 'urn:bridgekeeper:loa:2' : 'urn:bridgekeeper:loa:1';
    // A step-up keeps the login's time: the first factor was passed then (auth_time, max_age), and the grants
    // made under that login stay its own.
    const ts = steppedUp ? sessionLogin.ts : state.authTime ?? Math.floor(Date.now() / 1000);
    result.login = { accountId: userId, amr, acr, ts, remember: true };
    login = freshLogin
      ? { ts, method: state.method ?? 'password', ...(state.method === 'google' && state.hostedDomain ? { hostedDomain: state.hostedDomain } : {}) }
      : sessionLogin;
  }
  const context = { orgId: input.orgId, ...(login ? { login } : {}) };
  const [saved] = await Promise.all([grant.save(), deps.grantContexts.save(grantId, context, TOKEN_TTL.Grant)]);
  if (saved !== grantId) throw new Error('oidc-provider saved the grant under another id than the one given');
  const redirectTo = await deps.provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  return { redirectTo, ...(result.login ? { login: { amr: result.login.amr as string[], method: login?.method ?? 'password' } } : {}) };
}

export function requestedScopes(details: Details): string[] {
  return String(details.params.scope ?? 'openid').split(' ').filter(Boolean);
}

/** Individual claims asked for with the `claims` parameter (OIDC Core 5.5). */
function requestedClaims(details: Details): string[] {
  if (typeof details.params.claims !== 'string') return [];
  try {
    const parsed = JSON.parse(details.params.claims) as Record<string, Record<string, unknown> | undefined>;
    return [...new Set([...Object.keys(parsed.id_token ?? {}), ...Object.keys(parsed.userinfo ?? {})])];
  } catch {
    return [];
  }
}
