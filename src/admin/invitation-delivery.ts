import type { RateLimits } from '../abuse/index.ts';
import type { AccountMail } from '../account/mail.ts';
import { AppError } from '../common/errors.ts';
import type { Actor } from '../directory/actor.ts';
import type { Directory } from '../directory/directory.ts';
import type { InvitationView, InviteInput, IssuedInvitation } from '../directory/invitations.ts';
import { MailDeliveryError } from '../mail/port.ts';

export interface InvitationDeliveryDeps {
  invitations: Directory['invitations'];
  mail: Pick<AccountMail, 'sendInvitation'>;
  /** Invitation emails per organisation: a compromised admin or key cannot turn Bridgekeeper into a spam relay. */
  rateLimits: Pick<RateLimits, 'consume'>;
}

/*
 * Inviting and resending, for the admin API and the console alike: the email with the single-use link is sent
 * before the answer. When it cannot be sent, a new invitation is withdrawn (its seat freed) and the error says
 * so: the admin retries, no dead invitation stays. A failed resend leaves the invitation pending with a new,
 * unsent link: resending again is the remedy.
 */
export function createInvitationDelivery(deps: InvitationDeliveryDeps) {
  const { invitations } = deps;

  async function deliver(actor: Actor, issued: IssuedInvitation, withdrawOnFailure: boolean): Promise<InvitationView> {
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

  return {
    async invite(actor: Actor, input: InviteInput): Promise<InvitationView> {
      await deps.rateLimits.consume('invitation-per-organization', actor.orgId);
      return deliver(actor, await invitations.invite(actor, input), true);
    },
    async resend(actor: Actor, invitationId: string): Promise<InvitationView> {
      await deps.rateLimits.consume('invitation-per-organization', actor.orgId);
      return deliver(actor, await invitations.resend(actor, invitationId), false);
    },
  };
}

export type InvitationDelivery = ReturnType<typeof createInvitationDelivery>;
