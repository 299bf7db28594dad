import type { Draft } from '../../common/entity.ts';
import type { EmailDomain, Group, Membership, Organization, RoleBinding, User } from '../../directory/model.ts';
import type { Connection } from '../../federation/model.ts';
import { digestClientSecret } from '../../oidc/clients.ts';
import type { Client } from '../../oidc/model.ts';
import type { RoleBindingEntry } from './schema.ts';
import type {
  ClientEntry, ConnectionEntry, GroupEntry, MembershipEntry, OrganizationEntry, UserEntry,
} from './entries.ts';

/*
 * The desired state of each kind of object, from its entry and the stored object (if any):
 * - a field the entry gives wins; a field left out keeps the stored value, or takes its default on creation
 * - nested settings (login policy, limits, JIT) merge field by field; a list that is given replaces the stored one
 * - a plain password already stored is kept as is (no new hash, so re-importing it changes nothing)
 * - a domain keeps the time it was first verified; a client keeps a secret hash only while it uses a secret
 */

const DEFAULT_LIMITS: Organization['limits'] = { maxUsers: 5, maxGroups: 5 };
const DEFAULT_LOGIN_POLICY: Organization['loginPolicy'] = { methods: ['password'], googleHostedDomains: [], ownerPasswordFallback: false };

/** Drops undefined fields, so that spreading a partial entry does not erase stored values. */
function given<T extends object>(partial: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(partial ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function toBindings(entries: readonly RoleBindingEntry[]): RoleBinding[] {
  return entries.map((b) => (typeof b === 'string' ? { role: b }
    : b.scope ? { role: b.role, scope: { type: b.scope.type, ids: [...b.scope.ids] } } : { role: b.role }));
}

export function organizationDraft(entry: OrganizationEntry, stored: Organization | undefined): Draft<Organization> {
  const domains = entry.domains?.map(({ domain, verified }): EmailDomain => {
    const previous = stored?.domains.find((d) => d.domain === domain);
    const state: EmailDomain = { ...previous, domain, verified: verified ?? previous?.verified ?? false };
    if (state.verified) state.verifiedAt = previous?.verifiedAt ?? new Date().toISOString();
    else delete state.verifiedAt;
    return state;
  });
  return {
    slug: entry.slug,
    name: entry.name,
    domains: domains ?? stored?.domains ?? [],
    loginPolicy: { ...(stored?.loginPolicy ?? DEFAULT_LOGIN_POLICY), ...given(entry.loginPolicy) },
    mfaPolicy: entry.mfaPolicy ?? stored?.mfaPolicy ?? 'optional',
    limits: { ...(stored?.limits ?? DEFAULT_LIMITS), ...given(entry.limits) },
  };
}

export async function userDraft(
  entry: UserEntry,
  stored: User | undefined,
  hashPassword: (plain: string) => Promise<string>,
  verify: (hash: string, plain: string) => Promise<boolean>,
): Promise<Draft<User>> {
  let passwordHash = entry.passwordHash ?? stored?.passwordHash ?? null;
  if (entry.password !== undefined && !(stored?.passwordHash && await verify(stored.passwordHash, entry.password))) {
    passwordHash = await hashPassword(entry.password);
  }
  // A stored account's password set anew by the file ends its earlier sign-ins, as a reset does.
  const changedAt = stored && passwordHash !== stored.passwordHash ? new Date().toISOString() : stored?.passwordChangedAt;
  return {
    email: entry.email,
    name: entry.name,
    passwordHash,
    emailVerified: entry.emailVerified ?? stored?.emailVerified ?? false,
    mfaOptIn: entry.mfaOptIn ?? stored?.mfaOptIn ?? false,
    status: entry.status ?? stored?.status ?? 'active',
    lastLoginAt: stored?.lastLoginAt ?? null,
    ...(changedAt ? { passwordChangedAt: changedAt } : {}),
  };
}

export function groupDraft(entry: GroupEntry, orgId: string, stored: Group | undefined): Draft<Group> {
  return {
    orgId,
    name: entry.name,
    description: entry.description ?? stored?.description ?? '',
    roles: entry.roles ? toBindings(entry.roles) : stored?.roles ?? [],
  };
}

export function membershipDraft(
  entry: MembershipEntry,
  orgId: string,
  userId: string,
  groupIds: string[] | undefined,
  stored: Membership | undefined,
): Draft<Membership> {
  return {
    orgId,
    userId,
    roles: entry.roles ? toBindings(entry.roles) : stored?.roles ?? [],
    groupIds: groupIds ?? stored?.groupIds ?? [],
    status: entry.status ?? stored?.status ?? 'active',
    source: stored?.source ?? 'bootstrap',
    loginMethods: entry.loginMethods ?? stored?.loginMethods ?? [],
  };
}

export function clientAuthMethod(entry: ClientEntry, stored: Client | undefined): Client['tokenEndpointAuthMethod'] {
  return entry.tokenEndpointAuthMethod ?? stored?.tokenEndpointAuthMethod ?? (entry.clientSecret === undefined ? 'none' : 'client_secret_basic');
}

export function clientDraft(entry: ClientEntry, allowedOrgIds: string[] | undefined, stored: Client | undefined): Draft<Client> {
  const method = clientAuthMethod(entry, stored);
  const usesSecret = method === 'client_secret_basic' || method === 'client_secret_post';
  const secretHash = entry.clientSecret === undefined ? stored?.clientSecretHash ?? null : digestClientSecret(entry.clientSecret);
  return {
    id: entry.clientId,
    name: entry.name,
    redirectUris: entry.redirectUris,
    postLogoutRedirectUris: entry.postLogoutRedirectUris ?? stored?.postLogoutRedirectUris ?? [],
    grantTypes: entry.grantTypes ?? stored?.grantTypes ?? ['authorization_code'],
    tokenEndpointAuthMethod: method,
    clientSecretHash: usesSecret ? secretHash : null,
    firstParty: entry.firstParty ?? stored?.firstParty ?? false,
    allowedOrgIds: allowedOrgIds ?? stored?.allowedOrgIds ?? [],
    idTokenSignedResponseAlg: entry.idTokenSignedResponseAlg ?? stored?.idTokenSignedResponseAlg ?? 'RS256',
  };
}

export function connectionDraft(entry: ConnectionEntry, orgId: string, stored: Connection | undefined): Draft<Connection> {
  return {
    orgId,
    kind: entry.kind,
    name: entry.name,
    enabled: entry.enabled ?? stored?.enabled ?? false,
    settings: entry.settings ?? stored?.settings ?? {},
    mapping: entry.mapping ?? stored?.mapping ?? {},
    jit: { ...(stored?.jit ?? { enabled: false, defaultRoles: [] }), ...given(entry.jit) },
  };
}
