import { z } from 'zod';
import type { Entity, Patch, Repository, Where } from '../common/entity.ts';
import { ConflictError, ForbiddenError, LimitExceededError } from '../common/errors.ts';
import type { Actor } from './actor.ts';
import {
  assertCanGrant, assertCanManageMember, assertNotSelf, findInOrganization, findMember, requirePermission, usableBindings,
} from './access.ts';
import { audited } from './audit.ts';
import type { DirectoryContext } from './context.ts';
import { cleanBindings, conflict, idSchema, invalidInput, pageSchema, parseInput, roleBindingsSchema, type Page } from './input.ts';
import type { Group } from './model.ts';
import { canGrant } from './permissions.ts';

/*
 * Groups (the seeds: "at most five user groups", "a user group's name is case insensitive and has to be unique.
 * The name can only contain alphabets, numbers, and spaces"):
 * - names: Unicode letters (with their combining marks), decimal digits and spaces; trimmed, inner runs of
 *   spaces collapsed; 1-64 characters; unique per organisation case-insensitively (the store's unique key)
 * - at most organization.limits.maxGroups (default 5); when two creations race for the last slot, the one
 *   created later (id order) withdraws
 * - a group carries role bindings that flow into its members' permissions: putting roles on a group, adding
 *   someone to it, or changing a group that carries more than the actor holds, all need those roles grantable
 * - deleting a group takes it out of every member and pending invitation
 */

export const DEFAULT_MAX_GROUPS = 5;

export const groupNameSchema = z.string()
  .transform((name) => name.normalize('NFC').trim().replace(/ {2,}/g, ' '))
  .pipe(z.string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(/^[\p{L}\p{Nd}][\p{L}\p{M}\p{Nd} ]*$/u, 'may contain only letters, digits and spaces'))
  .describe('Letters, digits and spaces; 1-64 characters; unique in the organisation whatever the case.');

const descriptionSchema = z.string().trim().max(500).describe('Free text shown in the console.');

export const createGroupInputSchema = z.strictObject({
  name: groupNameSchema,
  description: descriptionSchema.default(''),
  roles: roleBindingsSchema.default([]).describe('Role bindings every member of the group gets.'),
});
export type CreateGroupInput = z.input<typeof createGroupInputSchema>;

export const updateGroupInputSchema = z.strictObject({
  name: groupNameSchema.optional(),
  description: descriptionSchema.optional(),
  roles: roleBindingsSchema.optional().describe('Replaces the group\'s role bindings.'),
});
export type UpdateGroupInput = z.input<typeof updateGroupInputSchema>;

export const groupMembersInputSchema = z.strictObject({
  userIds: z.array(idSchema).min(1).max(100).refine((ids) => new Set(ids).size === ids.length, 'must not list a user twice'),
});
export type GroupMembersInput = z.input<typeof groupMembersInputSchema>;

export const listGroupsInputSchema = z.strictObject({ ...pageSchema });
export type ListGroupsInput = z.input<typeof listGroupsInputSchema>;

export type GroupView = Group & { memberCount: number };

export interface GroupsService {
  list(actor: Actor, input?: ListGroupsInput): Promise<Page<GroupView>>;
  get(actor: Actor, groupId: string): Promise<GroupView>;
  create(actor: Actor, input: CreateGroupInput): Promise<GroupView>;
  update(actor: Actor, groupId: string, input: UpdateGroupInput): Promise<GroupView>;
  delete(actor: Actor, groupId: string): Promise<void>;
  addMembers(actor: Actor, groupId: string, input: GroupMembersInput): Promise<GroupView>;
  removeMembers(actor: Actor, groupId: string, input: GroupMembersInput): Promise<GroupView>;
}

/** Takes a deleted group out of every object of the organisation that lists it. */
async function withoutGroup<T extends Entity & { orgId: string; groupIds: string[] }>(repository: Repository<T>, group: Group): Promise<void> {
  let cursor: string | undefined;
  do {
    const where = { orgId: group.orgId, groupIds: { $contains: group.id } } as Where<T>;
    const page = await repository.list({ where, limit: 500, ...(cursor ? { cursor } : {}) });
    for (const item of page.items) {
      await repository.update(item.id, (current) => ({ groupIds: current.groupIds.filter((id) => id !== group.id) }) as Patch<T>);
    }
    cursor = page.next;
  } while (cursor);
}

const nameTaken = () => conflict('group', 'name', 'A group with this name already exists');

async function mapNameConflict<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw error instanceof ConflictError ? nameTaken() : error;
  }
}

export function createGroupsService(ctx: DirectoryContext): GroupsService {
  const { stores } = ctx;

  async function view(group: Group): Promise<GroupView> {
    return { ...group, memberCount: await stores.memberships.count({ orgId: group.orgId, groupIds: { $contains: group.id } }) };
  }

  /** The group, when the actor may change it: `users:manage`, and the group carries nothing beyond the actor's own. */
  async function manageableGroup(actor: Actor, groupId: string): Promise<Group> {
    requirePermission(actor, 'users:manage');
    const group = await findInOrganization(stores.groups, parseInput(idSchema, groupId), actor.orgId, 'group');
    if (!canGrant(ctx.catalog, actor.bindings, usableBindings(ctx.catalog, group.roles))) {
      throw new ForbiddenError('privilege_escalation', 'You cannot change a group that carries roles or permissions you do not hold');
    }
    return group;
  }

  async function changeMembers(actor: Actor, groupId: string, input: GroupMembersInput, adding: boolean): Promise<GroupView> {
    const group = await manageableGroup(actor, groupId);
    const { userIds } = parseInput(groupMembersInputSchema, input);
    const memberships = [];
    for (const userId of userIds) {
      const membership = await findMember(stores, actor.orgId, userId);
      assertNotSelf(actor, userId);
      await assertCanManageMember(ctx, actor, membership);
      memberships.push(membership);
    }
    for (const membership of memberships) {
      await stores.memberships.update(membership.id, (m) => ({
        groupIds: adding ? [...new Set([...m.groupIds, group.id])] : m.groupIds.filter((id) => id !== group.id),
      }));
    }
    return view(group);
  }

  return {
    async list(actor, input = {}) {
      requirePermission(actor, 'users:read');
      const { cursor, limit } = parseInput(listGroupsInputSchema, input);
      const page = await stores.groups.list({ where: { orgId: actor.orgId }, ...(cursor ? { cursor } : {}), ...(limit ? { limit } : {}) });
      return { ...page, items: await Promise.all(page.items.map(view)) };
    },

    async get(actor, groupId) {
      requirePermission(actor, 'users:read');
      return view(await findInOrganization(stores.groups, parseInput(idSchema, groupId), actor.orgId, 'group'));
    },

    create(actor, input) {
      return audited(stores, actor, 'group.created', null, async () => {
        requirePermission(actor, 'users:manage');
        const request = parseInput(createGroupInputSchema, input);
        assertCanGrant(ctx.catalog, actor, request.roles, 'roles');
        const org = await stores.organizations.get(actor.orgId);
        const max = org.limits.maxGroups ?? DEFAULT_MAX_GROUPS;
        const limitReached = () => new LimitExceededError('group_limit_reached', `This organization has reached its limit of ${max} groups`, max);
        if (await stores.groups.count({ orgId: actor.orgId }) >= max) throw limitReached();
        if (await stores.groups.findByName(actor.orgId, request.name)) throw nameTaken();
        const group = await mapNameConflict(stores.groups.create({ orgId: actor.orgId, name: request.name, description: request.description, roles: cleanBindings(request.roles) }));
        const first = await stores.groups.list({ where: { orgId: actor.orgId }, limit: Math.max(1, max) });
        if (!first.items.some((g) => g.id === group.id)) {
          await stores.groups.delete(group.id);
          throw limitReached();
        }
        return { result: await view(group), target: `group:${group.id}`, details: { name: group.name, roles: group.roles } };
      });
    },

    update(actor, groupId, input) {
      return audited(stores, actor, 'group.updated', `group:${groupId}`, async () => {
        const group = await manageableGroup(actor, groupId);
        const change = parseInput(updateGroupInputSchema, input);
        if (change.roles) assertCanGrant(ctx.catalog, actor, change.roles, 'roles');
        const patch = {
          ...(change.name !== undefined ? { name: change.name } : {}),
          ...(change.description !== undefined ? { description: change.description } : {}),
          ...(change.roles ? { roles: cleanBindings(change.roles) } : {}),
        };
        if (Object.keys(patch).length === 0) throw invalidInput([{ path: '(root)', message: 'nothing to change: give name, description or roles' }]);
        const updated = await mapNameConflict(stores.groups.update(group.id, patch));
        return { result: await view(updated), details: { changed: Object.keys(patch), ...patch } };
      });
    },

    delete(actor, groupId) {
      return audited(stores, actor, 'group.deleted', `group:${groupId}`, async () => {
        const group = await manageableGroup(actor, groupId);
        await stores.groups.delete(group.id);
        // Deleted first: a member still pointing at it meanwhile gets nothing from it (buildActor skips missing groups).
        await withoutGroup(stores.memberships, group);
        await withoutGroup(stores.invitations, group);
        return { result: undefined, details: { name: group.name } };
      });
    },

    addMembers(actor, groupId, input) {
      return audited(stores, actor, 'group.members_added', `group:${groupId}`, async () => ({
        result: await changeMembers(actor, groupId, input, true), details: { userIds: input.userIds },
      }));
    },

    removeMembers(actor, groupId, input) {
      return audited(stores, actor, 'group.members_removed', `group:${groupId}`, async () => ({
        result: await changeMembers(actor, groupId, input, false), details: { userIds: input.userIds },
      }));
    },
  };
}
