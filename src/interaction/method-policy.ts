import { holdsOwnerRole } from '../directory/access.ts';
import { resolveLoginMethods } from '../directory/login-policy.ts';
import type { LoginMethod, Organization } from '../directory/model.ts';
import type { MembershipStore } from '../directory/ports.ts';
import { checkGoogleIdentity } from '../federation/google/hosted-domain.ts';
import type { JourneyState } from './state.ts';

export interface Refusal {
  organization: string;
  allowed: LoginMethod[];
}

/*
 * The first factor must be one the chosen organisation allows this member (seeds: "Access blocked"):
 * - resolveLoginMethods: the organisation's methods, narrowed by the member's own login types, plus the
 *   owners' password break-glass
 * - a SAML sign-in counts only for the organisation of its connection
 * - a Google sign-in must satisfy the organisation's hosted-domain restriction (`hd`)
 */
export async function refusedMethod(
  memberships: Pick<MembershipStore, 'findFor'>,
  org: Organization,
  userId: string,
  state: JourneyState,
): Promise<Refusal | undefined> {
  const method = state.method ?? 'password';
  const membership = await memberships.findFor(org.id, userId);
  const allowed = resolveLoginMethods({ org, ...(membership ? { membership } : {}), isOwner: membership ? holdsOwnerRole(membership.roles) : false });
  const refusal = { organization: org.name, allowed };
  if (!allowed.includes(method)) return refusal;
  if (method === 'saml' && state.samlOrgId !== org.id) return refusal;
  if (method === 'google') {
    try {
      checkGoogleIdentity({ hostedDomain: state.hostedDomain }, org.loginPolicy);
    } catch {
      return refusal;
    }
  }
  return undefined;
}

