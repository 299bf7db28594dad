import type { Context } from 'koa';
import { emailDomain, normalizeEmail } from '../common/normalize.ts';
import type { Organization } from '../directory/model.ts';
import type { OrganizationStore } from '../directory/ports.ts';
import type { Connection } from '../federation/model.ts';
import type { ConnectionStore } from '../federation/ports.ts';
import type { SamlConnector } from '../federation/saml/connector.ts';
import { organizationNamed } from './organizations.ts';
import type { UpstreamHandoff } from './upstream-handoff.ts';

/*
 * Single sign-on from the sign-in journey:
 * - home realm discovery: the organisation comes from the `organization` request parameter (slug or id), the
 *   one chosen earlier in the journey (for which an existing session was not enough), or from the email's
 *   domain when an organisation has verified it; never from whether an account exists, so
 *   the answer to an email reveals nothing about it
 * - an organisation offers SSO when its policy allows `saml` and it has an enabled SAML connection; when SSO
 *   is its only method, the browser goes straight to its IdP
 */
export interface SsoDeps {
  organizations: Pick<OrganizationStore, 'find' | 'findBySlug' | 'findByVerifiedDomain'>;
  connections: Pick<ConnectionStore, 'list'>;
  saml: Pick<SamlConnector, 'startSignIn'>;
  handoff: UpstreamHandoff;
}

export function createSso(deps: SsoDeps) {
  return {
    async homeOrganization(requested: unknown, journey: { email?: string; orgId?: string }): Promise<Organization | undefined> {
      if (typeof requested === 'string' && requested) {
        return organizationNamed(deps.organizations, requested);
      }
      if (journey.orgId) return deps.organizations.find(journey.orgId);
      const { email } = journey;
      if (!email) return undefined;
      return deps.organizations.findByVerifiedDomain(emailDomain(normalizeEmail(email)));
    },

    async connectionOf(org: Organization | undefined): Promise<Connection | undefined> {
      if (!org || !org.loginPolicy.methods.includes('saml')) return undefined;
      const found = await deps.connections.list({ where: { orgId: org.id, kind: 'saml', enabled: true }, limit: 1 });
      return found.items[0];
    },

    /** SSO is the organisation's only way in (owners' password break-glass is offered on the password page). */
    ssoOnly(org: Organization): boolean {
      return !org.loginPolicy.methods.includes('password');
    },

    async start(ctx: Context, uid: string, connection: Connection, options: { forceAuthn: boolean }): Promise<void> {
      // The hand-off and the AuthnRequest's state are stored side by side; one left behind by a failure of the
      // other expires unused.
      const handle = deps.handoff.newHandle();
      const [, { redirectUrl }] = await Promise.all([
        deps.handoff.begin(uid, connection.id, handle),
        deps.saml.startSignIn(connection, { relayState: handle, forceAuthn: options.forceAuthn }),
      ]);
      ctx.status = 303;
      ctx.redirect(redirectUrl);
    },
  };
}

export type Sso = ReturnType<typeof createSso>;
