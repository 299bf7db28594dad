import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { AppError } from '../common/errors.ts';
import { ProvisioningRefusedError, type ProvisioningPolicy } from '../directory/federated-provisioning.ts';
import { storedMappingRules } from '../directory/mapping-rules.ts';
import { holdsOwnerRole } from '../directory/access.ts';
import { resolveLoginMethods } from '../directory/login-policy.ts';
import type { Organization } from '../directory/model.ts';
import type { ExternalIdentity } from '../federation/connector.ts';
import type { Connection } from '../federation/model.ts';
import { checkGoogleIdentity } from '../federation/google/hosted-domain.ts';
import { sendPage } from '../http/pages.ts';
import { errorPage } from '../../views/signin.ts';
import { signinText } from '../../views/messages/signin.ts';
import { localeOf } from '../i18n/locale.ts';
import type { Details } from './grant.ts';
import { noteLastLogin } from './last-login.ts';
import type { Journey } from './journey.ts';
import type { JourneyState } from './state.ts';

const SSO_UNAVAILABLE = 'Single sign-on is not available for this organization.';

/*
 * Signing in through an upstream IdP:
 * - POST /sso: the organisation's SAML IdP (the organisation from home realm discovery)
 * - POST /google: Google, restricted to the organisation's hosted domains when it lists any
 * - GET /upstream?handle=…: where the IdP's answer comes back (via the ACS or the Google callback), validated
 *   already; the identity becomes an account and membership (federated-provisioning.ts), then proceed()
 *   checks the organisation's login policy like for any other first factor
 */
export function registerUpstreamSteps(router: Router, journey: Journey, form: Middleware) {
  const { deps, load, save, proceed } = journey;

  /** An organisation with a single way in, and that way an IdP: the browser goes straight there. */
  async function startSsoOnly(ctx: Context, details: Details, journey: Pick<JourneyState, 'email' | 'orgId'>): Promise<boolean> {
    const { email } = journey;
    const org = await deps.sso.homeOrganization(details.params.organization, journey);
    if (!org || org.loginPolicy.methods.length !== 1) return false;
    if (org.loginPolicy.methods[0] === 'google' && deps.google) {
      await deps.google.start(ctx, details.uid, org, email);
      return true;
    }
    const connection = deps.sso.ssoOnly(org) ? await deps.sso.connectionOf(org) : undefined;
    if (!connection) return false;
    await deps.sso.start(ctx, details.uid, connection, { forceAuthn: details.params.prompt === 'login' });
    return true;
  }

  router.post('/sso', form, async (ctx) => {
    const { details, state } = await load(ctx, { post: true });
    const connection = await deps.sso.connectionOf(await deps.sso.homeOrganization(details.params.organization, state));
    if (!connection) throw new AppError(400, 'sso_unavailable', SSO_UNAVAILABLE);
    await deps.sso.start(ctx, details.uid, connection, { forceAuthn: details.params.prompt === 'login' });
  });

  router.post('/google', form, async (ctx) => {
    const { details, state } = await load(ctx, { post: true });
    const org = await deps.sso.homeOrganization(details.params.organization, state);
    if (!deps.google || (org && !org.loginPolicy.methods.includes('google'))) throw new AppError(400, 'google_unavailable', 'Google sign-in is not available here.');
    await deps.google.start(ctx, details.uid, org, state.email);
  });

  /** Who may come in through this identity, and what the organisation's rules give them. */
  async function policyFor(identity: ExternalIdentity): Promise<{ org?: Organization; connection?: Connection; policy: ProvisioningPolicy }> {
    if (identity.protocol === 'saml') {
      const connection = await deps.stores.connections.find(identity.connectionId);
      const org = connection?.enabled ? await deps.stores.organizations.find(connection.orgId) : undefined;
      if (!connection || !org || !org.loginPolicy.methods.includes('saml')) throw new AppError(403, 'sso_unavailable', SSO_UNAVAILABLE);
      return {
        org, connection,
        policy: {
          jit: connection.jit, rules: storedMappingRules((connection.mapping as { rules?: unknown }).rules), linkBy: 'verified-domain',
          ...(connection.settingsBy ? { settingsBy: connection.settingsBy } : {}),
        },
      };
    }
    // Google: the organisation is the one discovered before leaving, when any; it may add members through an
    // enabled `google` connection of its own (just-in-time provisioning and rules), else only members come in.
    const org = identity.orgId ? await deps.stores.organizations.find(identity.orgId) : undefined;
    const connection = org ? (await deps.stores.connections.list({ where: { orgId: org.id, kind: 'google', enabled: true }, limit: 1 })).items[0] : undefined;
    const policy: ProvisioningPolicy = connection
      ? { jit: connection.jit, rules: storedMappingRules((connection.mapping as { rules?: unknown }).rules), linkBy: 'verified-email' }
      : { jit: { enabled: false, defaultRoles: [] }, rules: [], linkBy: 'verified-email', admits: (user) => googleAdmitted(user.id, identity) };
    return { ...(org ? { org } : {}), ...(connection ? { connection } : {}), policy };
  }

  /** Some organisation of the account lets it in with this Google account (method and hosted domain). */
  async function googleAdmitted(userId: string, identity: ExternalIdentity): Promise<boolean> {
    const memberships = (await deps.stores.memberships.list({ where: { userId, status: 'active' }, limit: 500 })).items;
    for (const membership of memberships) {
      const org = await deps.stores.organizations.find(membership.orgId);
      if (!org || !resolveLoginMethods({ org, membership, isOwner: holdsOwnerRole(membership.roles) }).includes('google')) continue;
      try {
        checkGoogleIdentity(identity, org.loginPolicy);
        return true;
      } catch {
        // not this organisation
      }
    }
    return false;
  }

  router.get('/upstream', async (ctx) => {
    const loaded = await load(ctx, { post: false });
    const { identity, refused } = await deps.handoff.take(ctx, String(ctx.query.handle ?? ''), loaded.details.uid);
    if (refused) {
      await deps.audit.record(journey.source(ctx, 'anonymous', refused.orgId || null), 'signin.failed', {
        outcome: 'failure', target: refused.protocol === 'saml' ? `connection:${refused.connectionId}` : null,
        details: { method: refused.protocol, reason: 'answer_from_another_browser', detail: 'the IdP\'s answer was brought by another browser than the one asking for it (a forwarded sign-in request?)' },
      });
    }
    if (!identity) throw new AppError(400, 'upstream_result_missing', 'This sign-in has expired or was already used. Please start again.');
    const { org, connection, policy } = await policyFor(identity);
    const source = journey.source(ctx, 'anonymous', org?.id ?? null);
    let provisioned;
    try {
      // Checked before any account is created or linked: a Google account outside the hosted domains gets nothing.
      if (identity.protocol === 'google' && org) assertHostedDomain(identity, org);
      provisioned = await deps.provisioning.provision(org, identity, policy, source);
    } catch (error) {
      if (!(error instanceof ProvisioningRefusedError)) throw error;
      await deps.audit.record(source, 'signin.failed', {
        outcome: 'failure', target: connection ? `connection:${connection.id}` : null, details: { method: identity.protocol, reason: error.reason, detail: error.message },
      });
      const t = signinText(localeOf(ctx));
      return sendPage(ctx, errorPage({ title: t('noAccess.title'), message: t('noAccess.federated'), requestId: ctx.state.requestId, locale: localeOf(ctx) }), 403);
    }
    // A state of its own: nothing learnt in this interaction before (another account, another IdP's `hd`) stays.
    const state: JourneyState = {
      email: provisioned.user.email, userId: provisioned.user.id, orgId: org?.id, method: identity.protocol,
      amr: ['fed'], authTime: Math.floor(Date.now() / 1000),
      ...(identity.protocol === 'saml' && org ? { samlOrgId: org.id } : {}),
      ...(identity.hostedDomain ? { hostedDomain: identity.hostedDomain } : {}),
    };
    await save(loaded.details.uid, state);
    noteLastLogin(deps.stores.users, provisioned.user);
    if (provisioned.linkedExisting) deps.notifyNewSignInMethod?.(provisioned.user.email, identity.protocol === 'google' ? 'Google' : connection?.name ?? 'single sign-on');
    return proceed(ctx, { ...loaded, state });
  });

  return { startSsoOnly };
}

function assertHostedDomain(identity: ExternalIdentity, org: Organization): void {
  try {
    checkGoogleIdentity(identity, org.loginPolicy);
  } catch (error) {
    throw new ProvisioningRefusedError('hosted_domain_mismatch', error instanceof Error ? error.message : String(error));
  }
}
