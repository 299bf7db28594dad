import { z } from 'zod';
import type { RateLimits } from '../../abuse/index.ts';
import type { AccountMail } from '../../account/mail.ts';
import { AppError } from '../../common/errors.ts';
import { MailDeliveryError } from '../../mail/port.ts';
import type { Actor } from '../../directory/actor.ts';
import type { Directory } from '../../directory/directory.ts';
import { clearInvitationsInputSchema, inviteInputSchema, type IssuedInvitation } from '../../directory/invitations.ts';
import { operation, type Operation } from '../route.ts';
import { invitationIdParams, invitationView, page, pageQuery } from '../schemas.ts';

export interface InvitationOperationDeps {
  invitations: Directory['invitations'];
  mail: Pick<AccountMail, 'sendInvitation'>;
  /** Invitation emails per organisation: a compromised admin or key cannot turn Bridgekeeper into a spam relay. */
  rateLimits: Pick<RateLimits, 'consume'>;
}

/*
 * Invitations: the email with the single-use link is sent before the answer. When it cannot be sent, the new
 * invitation is withdrawn (its seat freed) and the error says so: the admin retries, no dead invitation stays.
 * A failed resend leaves the invitation pending with a new, unsent link: resending again is the remedy.
 */
export function invitationOperations(deps: InvitationOperationDeps): Operation[] {
  const { invitations } = deps;

  async function deliver(actor: Actor, issued: IssuedInvitation, withdrawOnFailure: boolean) {
    try {
      await deps.mail.sendInvitation({ actor, email: issued.invitation.email, token: issued.token });
    } catch (error) {
      if (!(error instanceof MailDeliveryError)) throw error;
      if (withdrawOnFailure) await invitations.revoke(actor, issued.invitation.id);
      throw new AppError(503, 'mail_unavailable', withdrawOnFailure
        ? 'The invitation email could not be sent, so the invitation was withdrawn. Try again later.'
        : 'The invitation email could not be sent. Resend it later.', { cause: error, expose: true });
    }
    return issued.invitation;
  }

  return [
    operation({
      method: 'post', path: '/invitations', operationId: 'inviteMember', tag: 'Invitations',
      summary: 'Invite someone by email with roles, groups and login types; an existing account joins as it is.',
      body: inviteInputSchema,
      status: 201,
      response: invitationView,
      errors: [409],
      handle: async ({ actor, body }) => {
        await deps.rateLimits.consume('invitation-per-organization', actor.orgId);
        return deliver(actor, await invitations.invite(actor, body), true);
      },
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
      handle: async ({ actor, params }) => {
        await deps.rateLimits.consume('invitation-per-organization', actor.orgId);
        return deliver(actor, await invitations.resend(actor, params.invitationId), false);
      },
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
