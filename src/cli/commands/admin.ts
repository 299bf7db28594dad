import type { Command } from 'commander';
import { createAccountMail } from '../../account/mail.ts';
import { AppError } from '../../common/errors.ts';
import { normalizeEmail } from '../../common/normalize.ts';
import { createDirectory } from '../../directory/directory.ts';
import type { InvitationView, IssuedInvitation } from '../../directory/invitations.ts';
import { MailDeliveryError } from '../../mail/index.ts';
import type { CliContext } from '../context.ts';
import { collect, refused, withOptionPaths } from '../refusals.ts';

/*
 * `admin invite`: an invitation made by the directory service as the system actor (the same rules as the
 * admin API: seats, conflicts, grantable roles, audit event), mailed through the configured mailer with the
 * account flows' own email. The link's secret goes into the email only; the output names the invitation.
 * - a live pending invitation for the email with the same roles and groups is a success that sends nothing;
 *   `--resend` mails a new link (the old one dies); with other roles or groups it is refused
 * - a failed delivery leaves the invitation pending and exits 1: run again with --resend
 */

interface InviteOptions {
  org: string;
  email: string;
  role: string[];
  group: string[];
  resend?: boolean;
}

const sameSet = (a: readonly string[], b: readonly string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

export function registerAdminCommands(program: Command, cli: CliContext): void {
  program.command('admin')
    .description('administration of an organisation\'s members')
    .command('invite')
    .description('invite someone to an organisation by email')
    .requiredOption('--org <slug>', 'organisation slug')
    .requiredOption('--email <email>', 'address the invitation is sent to')
    .option('--role <role>', 'role id from the catalog, granted on acceptance (repeatable)', collect, [])
    .option('--group <name>', 'group of the organisation the member joins on acceptance (repeatable)', collect, [])
    .option('--resend', 'mail a new link for a pending invitation of this email')
    .action((options: InviteOptions) => cli.withServices(async ({ config, stores, kv, catalog, mail }) => {
      const org = await stores.organizations.findBySlug(options.org);
      if (!org) throw refused('cannot invite', [{ path: '--org', message: `unknown organization "${options.org}"` }]);
      const groupIds: string[] = [];
      for (const name of options.group) {
        const group = await stores.groups.findByName(org.id, name);
        if (!group) throw refused('cannot invite', [{ path: `--group ${name}`, message: `unknown group in organization "${org.slug}"` }]);
        groupIds.push(group.id);
      }
      const directory = createDirectory({ stores, kv, catalog });
      const actor = directory.access.systemActor(org.id);
      const now = new Date().toISOString();
      const pending = (await stores.invitations.list({ where: { orgId: org.id, email: normalizeEmail(options.email), status: 'pending' }, limit: 500 }))
        .items.find((i) => i.expiresAt > now);

      let issued: IssuedInvitation | undefined;
      if (pending) {
        const same = sameSet(pending.roles.map((r) => (r.scope ? JSON.stringify(r) : r.role)), options.role) && sameSet(pending.groupIds, groupIds);
        if (!same) {
          throw refused(`a pending invitation for ${pending.email} exists with other roles or groups; revoke it through the admin API first`,
            [{ path: '--role/--group', message: `pending invitation ${pending.id} has other roles or groups` }]);
        }
        if (options.resend) issued = await directory.invitations.resend(actor, pending.id);
      } else {
        const invite = directory.invitations.invite(actor, { email: options.email, roles: options.role.map((role) => ({ role })), groupIds });
        issued = await withOptionPaths(invite, 'cannot invite', (path) => {
          const role = /^roles\[(\d+)\]/.exec(path);
          return role ? `--role ${options.role[Number(role[1])] ?? ''}`.trim() : path === 'email' ? '--email' : undefined;
        });
      }
      const invitation: InvitationView = issued?.invitation ?? (await directory.invitations.get(actor, pending!.id));
      if (issued) {
        const accountMail = createAccountMail({ mailer: mail.mailer, publicUrl: config.server.publicUrl, stores });
        try {
          await accountMail.sendInvitation({ actor, email: invitation.email, token: issued.token });
        } catch (error) {
          if (!(error instanceof MailDeliveryError)) throw error;
          throw new AppError(503, error.code, `invitation ${invitation.id} is pending but its email was not sent (${error.message}); run again with --resend`, { cause: error });
        }
      }
      const { id, email, roles, groupIds: groups, expiresAt, status } = invitation;
      const created = issued !== undefined && !pending;
      cli.print(
        { created, sent: issued !== undefined, invitation: { id, orgId: org.id, email, roles, groupIds: groups, expiresAt, status } },
        issued ? `invitation ${id} ${pending ? 'resent' : 'sent'} to ${email} (expires ${expiresAt})`
          : `invitation ${id} for ${email} is already pending (expires ${expiresAt}); nothing sent, --resend mails a new link`,
      );
    }));
}
