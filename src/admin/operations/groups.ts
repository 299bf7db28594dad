import { createGroupInputSchema, groupMembersInputSchema, updateGroupInputSchema, type GroupsService } from '../../directory/groups.ts';
import { operation, type Operation } from '../route.ts';
import { groupIdParams, groupView, id, page, pageQuery } from '../schemas.ts';

const memberParams = groupIdParams.extend({ userId: id.describe('The member\'s user id.') });

/* Groups: named sets of members whose role bindings flow into their members' permissions. */
export function groupOperations(groups: GroupsService): Operation[] {
  return [
    operation({
      method: 'get', path: '/groups', operationId: 'listGroups', tag: 'Groups',
      summary: 'List groups.',
      query: pageQuery,
      response: page(groupView),
      handle: ({ actor, query }) => groups.list(actor, query),
    }),
    operation({
      method: 'post', path: '/groups', operationId: 'createGroup', tag: 'Groups',
      summary: 'Create a group (within the organisation\'s group limit).',
      body: createGroupInputSchema,
      status: 201,
      response: groupView,
      errors: [409],
      handle: ({ actor, body }) => groups.create(actor, body),
    }),
    operation({
      method: 'get', path: '/groups/{groupId}', operationId: 'getGroup', tag: 'Groups',
      summary: 'One group.',
      params: groupIdParams,
      response: groupView,
      handle: ({ actor, params }) => groups.get(actor, params.groupId),
    }),
    operation({
      method: 'patch', path: '/groups/{groupId}', operationId: 'updateGroup', tag: 'Groups',
      summary: 'Rename a group, or change its description or roles.',
      params: groupIdParams,
      body: updateGroupInputSchema,
      response: groupView,
      errors: [409],
      handle: ({ actor, params, body }) => groups.update(actor, params.groupId, body),
    }),
    operation({
      method: 'delete', path: '/groups/{groupId}', operationId: 'deleteGroup', tag: 'Groups',
      summary: 'Delete a group; its members lose what it granted.',
      params: groupIdParams,
      status: 204,
      handle: ({ actor, params }) => groups.delete(actor, params.groupId),
    }),
    operation({
      method: 'post', path: '/groups/{groupId}/members', operationId: 'addGroupMembers', tag: 'Groups',
      summary: 'Add members to a group.',
      params: groupIdParams,
      body: groupMembersInputSchema,
      response: groupView,
      handle: ({ actor, params, body }) => groups.addMembers(actor, params.groupId, body),
    }),
    operation({
      method: 'delete', path: '/groups/{groupId}/members/{userId}', operationId: 'removeGroupMember', tag: 'Groups',
      summary: 'Take a member out of a group.',
      params: memberParams,
      response: groupView,
      handle: ({ actor, params }) => groups.removeMembers(actor, params.groupId, { userIds: [params.userId] }),
    }),
  ];
}
