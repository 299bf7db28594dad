import type { KoaContextWithOIDC } from 'oidc-provider';
import { holdsOwnerRole } from '../directory/access.ts';
import { resolveLoginMethods } from '../directory/login-policy.ts';
import type { Organization } from '../directory/model.ts';
import type { GrantContexts } from '../oidc/grant-context.ts';
import type { Stores } from '../store/stores.ts';
import { organizationNamed } from './organizations.ts';
import { secondFactorRequired } from './second-factor.ts';

type Authorizations = Record<string, { grantId?: string } | undefined> | undefined;

/*
 * When an existing session may serve a sign-in to an organisation without authenticating again:
 * - a password session (`pwd`): when the organisation allows this member passwords
 * - a federated session (`fed`): only for an organisation this session already signed in to — its amr does not
 *   say which IdP made it, the organisations of the session's own grants do
 * - and, where the organisation or the member asks for the emailed code, when the session has `otp`
 * oidc-provider asks `mustRevalidate` on every authorization request it could answer silently (a check of the
 * consent prompt); the interaction asks `serves` once the organisation is chosen.
 */
export function createSessionPolicy(deps: { stores: Pick<Stores, 'organizations' | 'memberships' | 'users'>; grantContexts: GrantContexts }) {
  async function sessionOrgIds(authorizations: Authorizations): Promise<string[]> {
    const grantIds = Object.values(authorizations ?? {}).flatMap((a) => (a?.grantId ? [a.grantId] : []));
    const contexts = await Promise.all(grantIds.map((id) => deps.grantContexts.find(id)));
    return contexts.flatMap((c) => (c ? [c.orgId] : []));
  }

  async function serves(org: Organization, userId: string, amr: readonly string[] | undefined, authorizations: Authorizations): Promise<boolean> {
    const methods = amr ?? [];
    const membership = await deps.stores.memberships.findFor(org.id, userId);
    if (!membership || membership.status !== 'active') return true; // not ours to refuse here: the organisation choice says "no access"
    const allowed = resolveLoginMethods({ org, membership, isOwner: holdsOwnerRole(membership.roles) });
    const method = methods.includes('pwd') ? allowed.includes('password') : methods.includes('fed') && (await sessionOrgIds(authorizations)).includes(org.id);
    if (!method) return false;
    const user = await deps.stores.users.find(userId);
    return !user || !secondFactorRequired(org, user) || methods.includes('otp');
  }

  async function organizationOf(ctx: KoaContextWithOIDC): Promise<{ org?: Organization; differs: boolean }> {
    const requested = typeof ctx.oidc.params?.organization === 'string' ? ctx.oidc.params.organization : undefined;
    const grantId = ctx.oidc.grant?.jti;
    const granted = grantId ? (await deps.grantContexts.find(grantId))?.orgId : undefined;
    if (!requested) return { ...(granted ? { org: await deps.stores.organizations.find(granted) } : {}), differs: false } as { org?: Organization; differs: boolean };
    const org = await organizationNamed(deps.stores.organizations, requested);
    return { ...(org ? { org } : {}), differs: org?.id !== granted };
  }

  return {
    serves,

    /** True when this request needs the interaction: another organisation than the grant's, or a session it does not accept. */
    async mustRevalidate(ctx: KoaContextWithOIDC): Promise<boolean> {
      const session = ctx.oidc.session;
      if (!session?.accountId) return false;
      const { org, differs } = await organizationOf(ctx);
      if (differs) return true;
      if (!org) return false;
      return !(await serves(org, session.accountId, session.amr, session.authorizations as Authorizations));
    },
  };
}

export type SessionPolicy = ReturnType<typeof createSessionPolicy>;
