import type { Account, FindAccount } from 'oidc-provider';
import type { Catalog } from '../directory/catalog.ts';
import { predatesPasswordChange } from '../directory/model.ts';
import type { Stores } from '../store/stores.ts';
import { bindingProblems, expandBindings } from '../directory/permissions.ts';
import type { GrantContexts } from './grant-context.ts';

/* Scopes and the claims they release. `sub` is the user's opaque id, never the email. */
export const SCOPE_CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  email: ['email', 'email_verified'],
  profile: ['name'],
  organization: ['org_id', 'org'],
  roles: ['roles', 'groups', 'permissions', 'resource_permissions'],
} as const;

export interface AccountDeps {
  stores: Pick<Stores, 'users' | 'memberships' | 'groups' | 'organizations'>;
  grantContexts: GrantContexts;
  catalog: Catalog;
}

/*
 * - an account exists only while the user is active
 * - organisation claims come from the organisation chosen for this sign-in (the grant's context), and only
 *   while that membership is still active: a suspended member's refresh yields no organisation claims
 * - roles are the membership's bindings plus those of its groups, expanded through the catalog
 *   (implications, composites, exclusions); resource-scoped permissions are listed per resource as
 *   `resource_permissions: { "<type>:<id>": ["permission", ...] }`
 */
export function createFindAccount(deps: AccountDeps): FindAccount {
  return async function findAccount(_ctx, sub, token): Promise<Account | undefined> {
    const grantId = token && 'grantId' in token ? (token.grantId as string | undefined) : undefined;
    // What the claims will need is asked for with the user: the reads are shared within the request
    // (request-cache.ts), so claims() below finds them answered, and nothing waits on Redis twice in a row.
    if (grantId) {
      deps.grantContexts.find(grantId)
        .then((context) => context && deps.stores.memberships.findFor(context.orgId, sub))
        .catch(() => undefined);
    }
    const user = await deps.stores.users.find(sub);
    if (!user || user.status !== 'active') return undefined;
    // A code, refresh token or access token from a sign-in before the password was last set (a reset, a change)
    // ends with that sign-in.
    const issued = token as { kind?: string; authTime?: number; iat?: number } | undefined;
    if ((issued?.kind === 'RefreshToken' || issued?.kind === 'AuthorizationCode') && predatesPasswordChange(user, issued.authTime)) return undefined;
    if (issued?.kind === 'AccessToken' && predatesPasswordChange(user, issued.iat)) return undefined;

    return {
      accountId: user.id,
      async claims() {
        const base = { sub: user.id, email: user.email, email_verified: user.emailVerified, name: user.name };
        const context = grantId ? await deps.grantContexts.find(grantId) : undefined;
        if (!context) return base;
        const [org, membership] = await Promise.all([
          deps.stores.organizations.find(context.orgId),
          deps.stores.memberships.findFor(context.orgId, user.id),
        ]);
        if (!org || membership?.status !== 'active') return base;
        const groups = (await Promise.all(membership.groupIds.map((id) => deps.stores.groups.find(id))))
          .filter((group) => group !== undefined && group.orgId === org.id);
        // A binding the catalog no longer accepts (a role an operator removed) grants nothing rather than
        // making every token of the member fail.
        const bindings = [...membership.roles, ...groups.flatMap((g) => g!.roles)]
          .filter((binding) => bindingProblems(deps.catalog, [binding]).length === 0);
        const expanded = expandBindings(deps.catalog, bindings);
        const resourcePermissions: Record<string, string[]> = {};
        for (const { permission, scope } of expanded.scoped) {
          for (const id of scope.ids) (resourcePermissions[`${scope.type}:${id}`] ??= []).push(permission);
        }
        return {
          ...base,
          org_id: org.id,
          org: org.slug,
          roles: expanded.roles,
          groups: groups.map((g) => g!.name).sort(),
          permissions: expanded.permissions,
          resource_permissions: resourcePermissions,
        };
      },
    };
  };
}
