import type { KoaContextWithOIDC } from 'oidc-provider';
import { holdsOwnerRole } from '../directory/access.ts';
import { resolveLoginMethods } from '../directory/login-policy.ts';
import { predatesPasswordChange, type LoginMethod, type Organization } from '../directory/model.ts';
import { checkGoogleIdentity } from '../federation/google/hosted-domain.ts';
import type { GrantContexts, GrantLogin } from '../oidc/grant-context.ts';
import type { Stores } from '../store/stores.ts';
import { organizationNamed } from './organizations.ts';
import { secondFactorRequired } from './second-factor.ts';

type Authorizations = Record<string, { grantId?: string } | undefined> | undefined;

/** What the policy reads of an existing session. */
export interface SessionView {
  amr?: readonly string[];
  /** The current login's time: the `ts` of the login result that made it. */
  loginTs?: number;
  authorizations?: Authorizations;
}

/** How an existing session serves an organisation: under which login, and whether the emailed code is still due. */
export interface Served {
  login: GrantLogin;
  /** The organisation or the member asks for the code and the session has none: it steps up with one. */
  codeDue?: true;
}

/*
 * When an existing session may serve a sign-in to an organisation without authenticating again:
 * - a password session (`pwd`): when the organisation allows this member passwords
 * - a federated session (`fed`): only for an organisation its current login signed in to, through a method the
 *   organisation still allows this member (for Google, with a Workspace domain it still accepts). Its amr does not
 *   say which IdP made it; the grants made under this login do (grant-context.ts), and only those: a grant an
 *   earlier login of the session made says nothing of this one, as a later login replaces the session's amr but
 *   not its other apps' grants.
 * - where the organisation or the member asks for the emailed code and the session has no `otp`, it serves once
 *   the code is passed on top of it (a step-up): never silently
 * oidc-provider asks `mustRevalidate` on every authorization request it could answer silently (a check of the
 * consent prompt); the interaction asks `serves` once the organisation is chosen. `serves` answers with the
 * login it serves under, undefined when the session does not serve (a member no longer active included).
 */
export function createSessionPolicy(deps: { stores: Pick<Stores, 'organizations' | 'memberships' | 'users'>; grantContexts: GrantContexts }) {
  /**
   * How the session's current (federated) login signed in to this organisation, if it did: a grant for it made
   * by a federated login at the session's login time. Login times are seconds, so the method is compared too:
   * a password login in the same second as the federated one does not pass for it.
   */
  async function federatedLogin(orgId: string, session: SessionView): Promise<GrantLogin | undefined> {
    const grantIds = Object.values(session.authorizations ?? {}).flatMap((a) => (a?.grantId ? [a.grantId] : []));
    const contexts = await Promise.all(grantIds.map((id) => deps.grantContexts.find(id)));
    return contexts.find((c) => c?.orgId === orgId && c.login?.ts === session.loginTs && c.login?.method !== 'password')?.login;
  }

  /** The session's login as this organisation would take it now: a method it allows, a Google domain it accepts. */
  function accepted(org: Organization, allowed: LoginMethod[], login: GrantLogin | undefined): login is GrantLogin {
    if (!login || !allowed.includes(login.method)) return false;
    if (login.method !== 'google') return true;
    try {
      checkGoogleIdentity({ hostedDomain: login.hostedDomain }, org.loginPolicy);
      return true;
    } catch {
      return false;
    }
  }

  async function serves(org: Organization, userId: string, session: SessionView): Promise<Served | undefined> {
    const methods = session.amr ?? [];
    const [membership, user] = await Promise.all([deps.stores.memberships.findFor(org.id, userId), deps.stores.users.find(userId)]);
    // No longer an active member: nothing is answered silently; the interaction's organisation choice says "no access".
    if (!membership || membership.status !== 'active') return undefined;
    // The password was set again since this login (a reset, a change): the session ends with it.
    if (!user || predatesPasswordChange(user, session.loginTs)) return undefined;
    const allowed = resolveLoginMethods({ org, membership, isOwner: holdsOwnerRole(membership.roles) });
    const login = methods.includes('pwd') ? (session.loginTs ? { ts: session.loginTs, method: 'password' as const } : undefined)
      : methods.includes('fed') ? await federatedLogin(org.id, session) : undefined;
    if (!accepted(org, allowed, login)) return undefined;
    const codeDue = secondFactorRequired(org, user) && !methods.includes('otp');
    return { login, ...(codeDue ? { codeDue: true as const } : {}) };
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
      const served = await serves(org, session.accountId, session);
      return !served || served.codeDue === true;
    },
  };
}

export type SessionPolicy = ReturnType<typeof createSessionPolicy>;
