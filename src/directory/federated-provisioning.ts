import { AppError } from '../common/errors.ts';
import { emailDomain, normalizeEmail } from '../common/normalize.ts';
import { recordAudit, type AuditSource } from './audit.ts';
import type { DirectoryContext } from './context.ts';
import { applyMappingRules, type MappingRule } from './mapping-rules.ts';
import type { Membership, Organization, RoleBinding, User } from './model.ts';
import { effectiveBindings, holdsOwnerRole, OWNER_ROLE, usableBindings } from './access.ts';
import { canGrant } from './permissions.ts';
import { assertSeatAvailable, keepsSeat, userLimitReached } from './seats.ts';

/*
 * Turning what an IdP vouches for into a Bridgekeeper account in the connection's organisation:
 * - the account is found by the link (connection, subject); without one, an account with the same email is
 *   linked only when the email is vouched for: for an organisation's own IdP (SAML), the email's domain must be
 *   verified by that organisation, or the account already be an active member of it — otherwise whoever
 *   controls an IdP could claim anyone's account; for a public IdP (Google), the email must be verified on
 *   both sides
 * - without an organisation (a Google sign-in before the organisation is known) only existing accounts sign in
 * - no link and no account: one is created only when the connection provisions just in time
 * - no membership: created just in time (within the user cap) or refused; a suspended member is refused
 * - groups and roles the connection's rules manage are set from the rules at every sign-in; the rest stay
 * - every check runs before the first write, so a refusal changes nothing
 */

/** What the directory needs of an upstream identity (structurally an ExternalIdentity of federation/). */
export interface UpstreamIdentity {
  connectionId: string;
  subject: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  groups: readonly string[];
  attributes: Record<string, readonly string[]>;
}

export interface ProvisioningPolicy {
  /** Create accounts and memberships for people the IdP vouches for. */
  jit: { enabled: boolean; defaultRoles: readonly string[] };
  rules: readonly MappingRule[];
  /** When an existing account with the identity's email may be linked (see above). */
  linkBy: 'verified-domain' | 'verified-email';
  /** Without an organisation: whether the account may sign in this way anywhere at all, asked before any write. */
  admits?: (user: User) => Promise<boolean>;
  /** The bindings of the admin who said which IdP this is (Connection.settingsBy): it vouches for no one who holds more. */
  settingsBy?: { bindings: readonly RoleBinding[] };
}

export type ProvisioningRefusal = 'email_missing' | 'hosted_domain_mismatch' | 'method_not_allowed' | 'account_link_not_allowed' | 'not_a_member' | 'member_suspended' | 'account_disabled' | 'user_limit_reached' | 'member_outranks_connection';

/** The IdP's identity was valid, but it does not get in. `reason` is for the organisation's admins. */
export class ProvisioningRefusedError extends AppError {
  readonly reason: ProvisioningRefusal;

  constructor(reason: ProvisioningRefusal, message: string) {
    super(403, 'sign_in_refused', message);
    this.reason = reason;
  }
}

export interface ProvisionedSignIn {
  user: User;
  /** Absent when no organisation was given. */
  membership?: Membership;
  createdUser: boolean;
  createdMembership: boolean;
  /** An existing account got this IdP as a new way in (its owner should hear of it). */
  linkedExisting: boolean;
  /** Group names of rules that matched but that the organisation does not have. */
  unknownGroups: string[];
}

const bindingKey = (b: RoleBinding) => JSON.stringify([b.role, b.scope?.type ?? null, [...(b.scope?.ids ?? [])].sort()]);

export function createFederatedProvisioning(ctx: DirectoryContext) {
  const { stores } = ctx;

  async function findAccount(identity: UpstreamIdentity, org: Organization | undefined, linkBy: ProvisioningPolicy['linkBy']): Promise<{ user?: User; linked: boolean }> {
    const link = await stores.federatedIdentities.findBySubject(identity.connectionId, identity.subject);
    if (link) return { user: await stores.users.find(link.userId), linked: true };
    if (!identity.email) throw new ProvisioningRefusedError('email_missing', 'The identity provider sent no email address for this person');
    const existing = await stores.users.findByEmail(identity.email);
    if (!existing) return { linked: false };
    if (linkBy === 'verified-email') {
      if (identity.emailVerified !== true || !existing.emailVerified) {
        throw new ProvisioningRefusedError('account_link_not_allowed', 'An account with this email exists; it is linked only when both sides have verified the email');
      }
      return { user: existing, linked: false };
    }
    const domain = emailDomain(normalizeEmail(identity.email));
    const verifiedHere = org?.domains.some((d) => d.verified && d.domain === domain) ?? false;
    // A member the organisation already has (invited by its admins, the email proven by the link) is theirs to
    // vouch for through their own IdP; a federated session then serves this organisation only.
    const memberHere = org ? (await stores.memberships.findFor(org.id, existing.id))?.status === 'active' : false;
    if (!(verifiedHere || memberHere) || identity.emailVerified === false) {
      throw new ProvisioningRefusedError('account_link_not_allowed',
        `An account with this email exists; it is linked only when ${domain} is a verified domain of ${org?.name ?? 'the organization'}`);
    }
    return { user: existing, linked: false };
  }

  /** The membership's groups and roles after the rules: managed ones replaced, the others kept. */
  async function mappedAccess(org: Organization, membership: Pick<Membership, 'groupIds' | 'roles'>, identity: UpstreamIdentity, rules: readonly MappingRule[]) {
    const access = applyMappingRules(rules, identity);
    // The owner role is never an IdP's to give or take, directly or through a group (connections refuse rules
    // that would; one stored before that rule still cannot).
    const named = async (names: readonly string[]) => (await Promise.all(names.map(async (name) => {
      const group = await stores.groups.findByName(org.id, name);
      return [name, group && !holdsOwnerRole(group.roles) ? group : undefined, group !== undefined] as const;
    })));
    const matched = await named(access.groups);
    const managed = new Set((await named(access.managedGroups)).flatMap(([, group]) => (group ? [group.id] : [])));
    const groupIds = [...new Set([...membership.groupIds.filter((id) => !managed.has(id)), ...matched.flatMap(([, group]) => (group ? [group.id] : []))])];
    const managedRoles = access.managedRoles.filter((role) => role !== OWNER_ROLE);
    const kept = membership.roles.filter((b) => !managedRoles.includes(b.role));
    const given = usableBindings(ctx.catalog, access.roles).filter((b) => b.role !== OWNER_ROLE);
    const roles = [...new Map([...kept, ...given].map((b) => [bindingKey(b), b])).values()];
    return { groupIds, roles, unknownGroups: matched.filter(([, , exists]) => !exists).map(([name]) => name) };
  }

  async function link(user: User, identity: UpstreamIdentity, orgId: string | undefined): Promise<string> {
    const linked = await stores.federatedIdentities.create({
      connectionId: identity.connectionId, orgId: orgId ?? '', subject: identity.subject, userId: user.id, lastSignInAt: ctx.now().toISOString(),
    });
    return linked.id;
  }

  const linkedAudit = (user: User, identity: UpstreamIdentity, source: AuditSource, createdUser: boolean) =>
    recordAudit(stores, source, 'user.identity_linked', { target: `user:${user.id}`, details: { connectionId: identity.connectionId, createdUser } });

  return {
    async provision(org: Organization | undefined, identity: UpstreamIdentity, policy: ProvisioningPolicy, source: AuditSource): Promise<ProvisionedSignIn> {
      const { user: found, linked } = await findAccount(identity, org, policy.linkBy);
      if (found && found.status !== 'active') throw new ProvisioningRefusedError('account_disabled', 'This account is disabled');
      if (!org) {
        if (!found) throw new ProvisioningRefusedError('not_a_member', 'No account signs in with this identity yet; start from your organization\'s sign-in link');
        if (policy.admits && !(await policy.admits(found))) {
          throw new ProvisioningRefusedError('method_not_allowed', 'None of this account\'s organizations allows signing in this way');
        }
        if (!linked) {
          await link(found, identity, undefined);
          await linkedAudit(found, identity, source, false);
        }
        return { user: found, createdUser: false, createdMembership: false, linkedExisting: !linked, unknownGroups: [] };
      }
      const existingMembership = found ? await stores.memberships.findFor(org.id, found.id) : undefined;
      if (existingMembership?.status === 'suspended') throw new ProvisioningRefusedError('member_suspended', `This account is suspended in ${org.name}`);
      // An admin who points a connection at an IdP of their choosing could otherwise sign in as anyone, the owner
      // included: the connection signs in only members who hold no more than that admin did.
      if (existingMembership && policy.settingsBy && !holdsOwnerRole(policy.settingsBy.bindings)) {
        const held = usableBindings(ctx.catalog, await effectiveBindings(stores, existingMembership));
        // A role removed from the catalog since grants nothing, here as anywhere.
        if (!canGrant(ctx.catalog, usableBindings(ctx.catalog, policy.settingsBy.bindings), held)) {
          throw new ProvisioningRefusedError('member_outranks_connection', 'This member holds roles the admin who set up this connection\'s identity provider does not; someone who holds them must set it up');
        }
      }
      if (!existingMembership && !policy.jit.enabled) {
        throw new ProvisioningRefusedError('not_a_member', `This person is not a member of ${org.name}, and the connection does not add members automatically`);
      }
      if (!existingMembership) {
        try {
          await assertSeatAvailable(stores, org.id, { now: ctx.now });
        } catch (error) {
          if (error instanceof AppError && error.code === 'user_limit_reached') throw new ProvisioningRefusedError('user_limit_reached', error.message);
          throw error;
        }
      }
      const initial = existingMembership ?? { groupIds: [], roles: policy.jit.defaultRoles.filter((role) => role !== OWNER_ROLE).map((role) => ({ role })) };
      const access = await mappedAccess(org, initial, identity, policy.rules);

      // Every check passed: from here on, writes.
      let user = found;
      let createdUser = false;
      if (!user) {
        user = await stores.users.create({
          email: normalizeEmail(identity.email!), name: identity.name ?? identity.email!.slice(0, identity.email!.indexOf('@')),
          passwordHash: null, emailVerified: identity.emailVerified ?? false, mfaOptIn: false, status: 'active', lastLoginAt: null,
        });
        createdUser = true;
      }
      const linkId = linked ? undefined : await link(user, identity, org.id);
      let membership: Membership;
      if (existingMembership) {
        const changed = JSON.stringify([existingMembership.groupIds, existingMembership.roles]) !== JSON.stringify([access.groupIds, access.roles]);
        membership = changed || existingMembership.status === 'invited'
          ? await stores.memberships.update(existingMembership.id, { groupIds: access.groupIds, roles: access.roles, status: 'active' })
          : existingMembership;
      } else {
        membership = await stores.memberships.create({ orgId: org.id, userId: user.id, roles: access.roles, groupIds: access.groupIds, status: 'active', source: 'jit', loginMethods: [] });
        // Sign-ins racing for the last seats all passed the check: keepsSeat says which keep them; a later one
        // withdraws and undoes what it wrote (the account it created, the link it made).
        if (!(await keepsSeat(stores, org.id, membership.id, ctx.now))) {
          await stores.memberships.delete(membership.id);
          if (linkId) await stores.federatedIdentities.delete(linkId);
          // The account it created goes too, unless a sign-in elsewhere took it up meanwhile.
          if (createdUser) {
            const [memberships, links] = await Promise.all([stores.memberships.count({ userId: user.id }), stores.federatedIdentities.count({ userId: user.id })]);
            if (memberships === 0 && links === 0) await stores.users.delete(user.id);
          }
          throw new ProvisioningRefusedError('user_limit_reached', userLimitReached(org.limits.maxUsers ?? 0).message);
        }
      }
      if (linkId) await linkedAudit(user, identity, source, createdUser);
      if (!existingMembership) {
        await recordAudit(stores, source, 'member.provisioned', { target: `user:${user.id}`, details: { connectionId: identity.connectionId, roles: access.roles, groupIds: access.groupIds } });
      }
      return { user, membership, createdUser, createdMembership: !existingMembership, linkedExisting: !linked && !createdUser, unknownGroups: access.unknownGroups };
    },
  };
}

export type FederatedProvisioning = ReturnType<typeof createFederatedProvisioning>;
