import { z } from 'zod';
import type { AccountService } from '../../directory/account.ts';
import { changePasswordInputSchema } from '../../directory/account.ts';
import { operation, type Operation } from '../route.ts';
import { roleBinding } from '../schemas.ts';

const callerView = z.object({
  kind: z.enum(['user', 'apikey', 'system']),
  id: z.string().describe('User id or API key id.'),
  orgId: z.string(),
  roles: z.array(roleBinding).describe('Effective role bindings: own roles plus the groups\' roles (or the key\'s).'),
  permissions: z.array(z.string()).describe('Global permissions after expansion.'),
}).describe('Who the credentials act as, and with what rights.');

/* The caller itself: what it may do (the console hides what it may not), and its own password. */
export function meOperations(account: AccountService): Operation[] {
  return [
    operation({
      method: 'get', path: '/me', operationId: 'getCaller', tag: 'Me',
      summary: 'The caller\'s identity, roles and permissions in the organisation.',
      response: callerView,
      handle: async ({ actor }) => ({
        kind: actor.kind, id: actor.id, orgId: actor.orgId, roles: actor.bindings, permissions: [...actor.permissions].sort(),
      }),
    }),
    operation({
      method: 'post', path: '/me/password', operationId: 'changeOwnPassword', tag: 'Me',
      summary: 'Change your own password: the current one and the new one.',
      body: changePasswordInputSchema,
      status: 204,
      handle: ({ actor, body }) => account.changePassword(actor, body),
    }),
  ];
}
