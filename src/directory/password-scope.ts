import { holdsOwnerRole } from './access.ts';
import type { DirectoryStores } from './context.ts';
import { resolveLoginMethods } from './login-policy.ts';

/*
 * Whether a password is of any use to an account: some organisation of it lets it sign in with one, or it
 * belongs to none yet. An account whose every organisation enforces SSO gets no password reset (seeds: the
 * organisation's login methods are enforced), and is told so by email instead.
 */
export async function passwordScope(stores: Pick<DirectoryStores, 'memberships' | 'organizations'>, userId: string): Promise<{ allowed: boolean; ssoOnlyIn: string[] }> {
  const memberships = (await stores.memberships.list({ where: { userId, status: 'active' }, limit: 500 })).items;
  if (memberships.length === 0) return { allowed: true, ssoOnlyIn: [] };
  const ssoOnlyIn: string[] = [];
  for (const membership of memberships) {
    const org = await stores.organizations.find(membership.orgId);
    if (!org) continue;
    if (resolveLoginMethods({ org, membership, isOwner: holdsOwnerRole(membership.roles) }).includes('password')) return { allowed: true, ssoOnlyIn: [] };
    ssoOnlyIn.push(org.name);
  }
  return { allowed: ssoOnlyIn.length === 0, ssoOnlyIn };
}
