import type { Actor } from '../directory/actor.ts';
import type { Mailer } from '../mail/port.ts';
import type { OrganizationStore, UserStore } from '../directory/ports.ts';
import { invitationMail } from '../../views/mail/invitation.ts';
import { passwordResetMail } from '../../views/mail/password-reset.ts';
import { passwordUnavailableMail } from '../../views/mail/password-unavailable.ts';
import { securityNoticeMail, type SecurityNotice } from '../../views/mail/security-notice.ts';

export const INVITATION_PATH = '/account/invitation';
export const RESET_PATH = '/account/password/reset';

export interface AccountMailDeps {
  mailer: Mailer;
  publicUrl: string;
  stores: { organizations: OrganizationStore; users: UserStore };
}

export interface AccountMail {
  /** @throws MailDeliveryError */
  sendInvitation(input: { actor: Actor; email: string; token: string }): Promise<void>;
  /** @throws MailDeliveryError */
  sendPasswordReset(input: { email: string; token: string }): Promise<void>;
  /** Instead of a reset link, for an account whose organisations sign it in by SSO only. @throws MailDeliveryError */
  sendPasswordUnavailable(input: { email: string; organizations: string[] }): Promise<void>;
  /** @throws MailDeliveryError */
  sendSecurityNotice(input: { email: string; notice: SecurityNotice }): Promise<void>;
}

/*
 * The emails of the account flows. Links carry their secret in the query string of a page that answers with
 * `Referrer-Policy: no-referrer` and is never cached; the secret is only in the email, never in a response.
 */
export function createAccountMail(deps: AccountMailDeps): AccountMail {
  const link = (path: string, token: string) => `${deps.publicUrl}${path}?token=${encodeURIComponent(token)}`;

  /** Who the email says invited them: the admin's name, or the organisation for an API key or the CLI. */
  async function inviterName(actor: Actor, organizationName: string): Promise<string> {
    if (actor.kind !== 'user') return organizationName;
    return (await deps.stores.users.find(actor.id))?.name || organizationName;
  }

  return {
    async sendInvitation({ actor, email, token }) {
      const org = await deps.stores.organizations.get(actor.orgId);
      const rendered = invitationMail({
        organizationName: org.name,
        inviterName: await inviterName(actor, org.name),
        link: link(INVITATION_PATH, token),
      });
      await deps.mailer.send({ to: email, kind: 'invitation', ...rendered });
    },

    async sendPasswordReset({ email, token }) {
      await deps.mailer.send({ to: email, kind: 'password-reset', ...passwordResetMail({ link: link(RESET_PATH, token) }) });
    },

    async sendPasswordUnavailable({ email, organizations }) {
      await deps.mailer.send({ to: email, kind: 'security-notice', ...passwordUnavailableMail({ organizations }) });
    },

    async sendSecurityNotice({ email, notice }) {
      await deps.mailer.send({ to: email, kind: 'security-notice', ...securityNoticeMail(notice) });
    },
  };
}
