import { z } from 'zod';
import { clearInvitationsInputSchema, inviteInputSchema } from '../../directory/invitations.ts';
import { createInvitationDelivery, type InvitationDeliveryDeps } from '../invitation-delivery.ts';
import { operation, type Operation } from '../route.ts';
import { invitationIdParams, invitationView, page, pageQuery } from '../schemas.ts';

export type InvitationOperationDeps = InvitationDeliveryDeps;

/* Invitations: sent by email before the answer (invitation-delivery.ts); listed, revoked and cleared here. */
export function invitationOperations(deps: InvitationOperationDeps): Operation[] {
  const { invitations } = deps;
  const delivery = createInvitationDelivery(deps);

  return [
    operation({
      method: 'post', path: '/invitations', operationId: 'inviteMember', tag: 'Invitations',
      summary: 'Invite someone by email with roles, groups and login types; an existing account joins as it is.',
      body: inviteInputSchema,
      status: 201,
      response: invitationView,
      errors: [409],
      handle: ({ actor, body }) => delivery.invite(actor, body),
    }),
    operation({
      method: 'get', path: '/invitations', operationId: 'listInvitations', tag: 'Invitations',
      summary: 'Pending invitations, expired ones included (flagged), oldest first.',
      query: pageQuery,
      response: page(invitationView),
      handle: ({ actor, query }) => invitations.listPending(actor, query),
    }),
    operation({
      method: 'get', path: '/invitations/{invitationId}', operationId: 'getInvitation', tag: 'Invitations',
      summary: 'One invitation, whatever its status.',
      params: invitationIdParams,
      response: invitationView,
      handle: ({ actor, params }) => invitations.get(actor, params.invitationId),
    }),
    operation({
      method: 'post', path: '/invitations/{invitationId}/resend', operationId: 'resendInvitation', tag: 'Invitations',
      summary: 'Send a new link, valid 24 hours; the previous link stops working.',
      params: invitationIdParams,
      response: invitationView,
      errors: [409],
      handle: ({ actor, params }) => delivery.resend(actor, params.invitationId),
    }),
    operation({
      method: 'post', path: '/invitations/{invitationId}/revoke', operationId: 'revokeInvitation', tag: 'Invitations',
      summary: 'Withdraw an invitation; its link stops working and its seat is freed.',
      params: invitationIdParams,
      response: invitationView,
      errors: [409],
      handle: ({ actor, params }) => invitations.revoke(actor, params.invitationId),
    }),
    operation({
      method: 'post', path: '/invitations/clear', operationId: 'clearInvitations', tag: 'Invitations',
      summary: 'Withdraw every pending invitation (optionally only those created before an instant).',
      body: clearInvitationsInputSchema,
      response: z.object({ cleared: z.number().int() }),
      handle: ({ actor, body }) => invitations.clearPending(actor, body),
    }),
  ];
}
