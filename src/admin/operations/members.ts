import { z } from 'zod';
import type { MembersService } from '../../directory/members.ts';
import { updateMemberInputSchema } from '../../directory/members.ts';
import { operation, type Operation } from '../route.ts';
import { memberView, page, pageQuery, userIdParams } from '../schemas.ts';

const listQuery = pageQuery.extend({
  search: z.string().max(254).optional().describe('Case-insensitive part of the email or the name.'),
  status: z.enum(['invited', 'active', 'suspended']).optional(),
  groupId: z.string().max(128).optional().describe('Only members of this group.'),
});

/* Members: the people of the organisation (users:read to see them, users:manage to change them). */
export function memberOperations(members: MembersService): Operation[] {
  return [
    operation({
      method: 'get', path: '/members', operationId: 'listMembers', tag: 'Members',
      summary: 'List and search members.',
      query: listQuery,
      response: page(memberView),
      handle: ({ actor, query }) => members.list(actor, query),
    }),
    operation({
      method: 'get', path: '/members/{userId}', operationId: 'getMember', tag: 'Members',
      summary: 'One member.',
      params: userIdParams,
      response: memberView,
      handle: ({ actor, params }) => members.get(actor, params.userId),
    }),
    operation({
      method: 'patch', path: '/members/{userId}', operationId: 'updateMember', tag: 'Members',
      summary: 'Change a member\'s roles, groups or login types (never your own).',
      params: userIdParams,
      body: updateMemberInputSchema,
      response: memberView,
      handle: ({ actor, params, body }) => members.update(actor, params.userId, body),
    }),
    operation({
      method: 'post', path: '/members/{userId}/suspend', operationId: 'suspendMember', tag: 'Members',
      summary: 'Suspend (ban) a member: no sign-in to this organisation until reactivated.',
      params: userIdParams,
      response: memberView,
      handle: ({ actor, params }) => members.suspend(actor, params.userId),
    }),
    operation({
      method: 'post', path: '/members/{userId}/reactivate', operationId: 'reactivateMember', tag: 'Members',
      summary: 'Lift a suspension.',
      params: userIdParams,
      response: memberView,
      handle: ({ actor, params }) => members.reactivate(actor, params.userId),
    }),
    operation({
      method: 'delete', path: '/members/{userId}', operationId: 'removeMember', tag: 'Members',
      summary: 'Remove a member from the organisation; the account and its other organisations stay.',
      params: userIdParams,
      status: 204,
      handle: ({ actor, params }) => members.remove(actor, params.userId),
    }),
  ];
}
