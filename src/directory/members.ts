import { z } from 'zod';
import { NotFoundError } from '../common/errors.ts';
import type { Actor } from './actor.ts';
import {
  assertCanGrant, assertCanManageMember, assertNotSelf, findMember, holdsOwnerRole, OWNER_ROLE, requirePermission,
} from './access.ts';
import { audited } from './audit.ts';
import type { DirectoryContext } from './context.ts';
import {
  assertAllowedMethods, cleanBindings, groupIdsSchema, idSchema, invalidInput, loginMethodsSchema, pageSchema, parseInput,
  roleBindingsSchema, type Page,
} from './input.ts';
import { listMembers, toMember, type Member } from './member-view.ts';
import type { Membership } from './model.ts';
import { assertNotLastOwner, keepAnOwner } from './owners.ts';

/*
 * - `users:read` lists and reads members; `users:manage` changes them
 * - nobody changes their own membership (roles, groups, login methods, status, removal)
 * - nobody changes a member who holds more than they do, or grants roles (directly or through groups) they lack
 * - the last owner is never removed, suspended or demoted
 * - members are addressed by user id; a user without a membership here is "not found"
 * - removing a member deletes the membership only: the account stays, with its other organisations
 */

export const listMembersInputSchema = z.strictObject({
  search: z.string().trim().max(254).optional().describe('Case-insensitive substring of the email or the name; empty = no filter.'),
  status: z.enum(['invited', 'active', 'suspended']).optional(),
  groupId: idSchema.optional().describe('Only members of this group.'),
  ...pageSchema,
});
export type ListMembersInput = z.input<typeof listMembersInputSchema>;

export const updateMemberInputSchema = z.strictObject({
  roles: roleBindingsSchema.optional().describe('Replaces the member\'s own role bindings.'),
  groupIds: groupIdsSchema.optional().describe('Replaces the member\'s groups.'),
  loginMethods: loginMethodsSchema.optional(),
});
export type UpdateMemberInput = z.input<typeof updateMemberInputSchema>;

export interface MembersService {
  list(actor: Actor, input?: ListMembersInput): Promise<Page<Member>>;
  get(actor: Actor, userId: string): Promise<Member>;
  update(actor: Actor, userId: string, input: UpdateMemberInput): Promise<Member>;
  suspend(actor: Actor, userId: string): Promise<Member>;
  reactivate(actor: Actor, userId: string): Promise<Member>;
  remove(actor: Actor, userId: string): Promise<void>;
}

export function createMembersService(ctx: DirectoryContext): MembersService {
  const { stores } = ctx;

  async function view(membership: Membership): Promise<Member> {
    return toMember(membership, await stores.users.get(membership.userId));
  }

  /** The checks every change of someone's membership passes, in order; returns the membership. */
  async function manageable(actor: Actor, userId: string): Promise<Membership> {
    requirePermission(actor, 'users:manage');
    const membership = await findMember(stores, actor.orgId, parseInput(idSchema, userId));
    assertNotSelf(actor, userId);
    await assertCanManageMember(ctx, actor, membership);
    return membership;
  }

  async function groupRoles(actor: Actor, groupIds: readonly string[]) {
    const groups = await stores.groups.list({ where: { orgId: actor.orgId, id: { $in: [...groupIds] } }, limit: 500 });
    if (groups.items.length !== groupIds.length) throw new NotFoundError('group');
    return groups.items.flatMap((g) => g.roles);
  }

  async function setStatus(actor: Actor, userId: string, status: Membership['status'], action: string): Promise<Member> {
    return audited(stores, actor, action, `user:${userId}`, async () => {
      const membership = await manageable(actor, userId);
      if (status === 'suspended') await assertNotLastOwner(stores, membership);
      const updated = membership.status === status ? membership : await stores.memberships.update(membership.id, { status });
      if (status === 'suspended') {
        await keepAnOwner(stores, membership, () => stores.memberships.update(membership.id, (current) => (current.status === status ? { status: membership.status } : {})));
      }
      return { result: await view(updated), details: { from: membership.status, to: status } };
    });
  }

  return {
    async list(actor, input = {}) {
      requirePermission(actor, 'users:read');
      const query = parseInput(listMembersInputSchema, input);
      return listMembers(stores, { ...query, orgId: actor.orgId, limit: query.limit ?? 50 });
    },

    async get(actor, userId) {
      requirePermission(actor, 'users:read');
      return view(await findMember(stores, actor.orgId, parseInput(idSchema, userId)));
    },

    update(actor, userId, input) {
      return audited(stores, actor, 'member.updated', `user:${userId}`, async () => {
        const membership = await manageable(actor, userId);
        const change = parseInput(updateMemberInputSchema, input);
        const added = change.groupIds?.filter((id) => !membership.groupIds.includes(id)) ?? [];
        if (change.roles) assertCanGrant(ctx.catalog, actor, change.roles, 'roles');
        if (added.length > 0) assertCanGrant(ctx.catalog, actor, await groupRoles(actor, added), 'groupIds');
        if (change.loginMethods) {
          const org = await stores.organizations.get(actor.orgId);
          assertAllowedMethods(org.loginPolicy.methods, change.loginMethods, 'loginMethods');
        }
        if (change.roles && !holdsOwnerRole(change.roles)) await assertNotLastOwner(stores, membership);
        const patch = {
          ...(change.roles ? { roles: cleanBindings(change.roles) } : {}),
          ...(change.groupIds ? { groupIds: change.groupIds } : {}),
          ...(change.loginMethods ? { loginMethods: change.loginMethods } : {}),
        };
        if (Object.keys(patch).length === 0) throw invalidInput([{ path: '(root)', message: 'nothing to change: give roles, groupIds or loginMethods' }]);
        const updated = await stores.memberships.update(membership.id, patch);
        if (change.roles && !holdsOwnerRole(change.roles)) {
          // Undone as far as it is still this change: what it set goes back where no one has changed it since;
          // roles someone else set since keep, with the owner binding back beside them.
          const unchanged = (key: 'roles' | 'groupIds' | 'loginMethods', current: Membership) => JSON.stringify(current[key]) === JSON.stringify(updated[key]);
          await keepAnOwner(stores, membership, () => stores.memberships.update(membership.id, (current) => ({
            ...(unchanged('roles', current) ? { roles: membership.roles } : holdsOwnerRole(current.roles) ? {} : { roles: [...current.roles, { role: OWNER_ROLE }] }),
            ...(patch.groupIds && unchanged('groupIds', current) ? { groupIds: membership.groupIds } : {}),
            ...(patch.loginMethods && unchanged('loginMethods', current) ? { loginMethods: membership.loginMethods } : {}),
          })));
        }
        return { result: await view(updated), details: { changed: Object.keys(patch), ...patch } };
      });
    },

    suspend: (actor, userId) => setStatus(actor, userId, 'suspended', 'member.suspended'),

    reactivate: (actor, userId) => setStatus(actor, userId, 'active', 'member.reactivated'),

    remove(actor, userId) {
      return audited(stores, actor, 'member.removed', `user:${userId}`, async () => {
        const membership = await manageable(actor, userId);
        await assertNotLastOwner(stores, membership);
        await stores.memberships.delete(membership.id);
        const { createdAt: _created, updatedAt: _updated, version: _version, ...draft } = membership;
        await keepAnOwner(stores, membership, async () => {
          // Back as it was; if the member has joined again meanwhile (an invitation, an IdP), that membership
          // gets the owner binding back instead.
          const again = await stores.memberships.findFor(membership.orgId, membership.userId);
          if (!again) return stores.memberships.create(draft);
          return stores.memberships.update(again.id, (current) => (holdsOwnerRole(current.roles) ? {} : { roles: [...current.roles, { role: OWNER_ROLE }], status: 'active' }));
        });
        return { result: undefined, details: { roles: membership.roles, status: membership.status } };
      });
    },
  };
}
