import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Catalog } from '../../directory/catalog.ts';
import type { Directory } from '../../directory/directory.ts';
import type { LoginMethod } from '../../directory/model.ts';
import type { OrganizationSettings } from '../../directory/organization-settings.ts';
import { sendPage } from '../../http/pages.ts';
import { confirmPage } from '../../../views/console/frame.ts';
import { invitationsPage, invitePage, type InvitePage } from '../../../views/console/invitations.ts';
import type { InvitationDelivery } from '../invitation-delivery.ts';
import { consoleRequest } from './context.ts';
import { field, fieldList, formErrors, type FormBody } from './form.ts';
import { allGroups } from './member-routes.ts';
import { redirectWithNotice } from './respond.ts';

export interface InvitationRoutesDeps {
  directory: Pick<Directory, 'invitations' | 'groups'>;
  /** Sends the email before answering, as the admin API does. */
  delivery: InvitationDelivery;
  settings: OrganizationSettings;
  catalog: Catalog;
}

export function addInvitationRoutes(router: Router, deps: InvitationRoutesDeps): void {
  const { invitations, groups } = deps.directory;

  router.get('/invitations', async (ctx) => {
    const { actor, view } = consoleRequest(ctx);
    const cursor = typeof ctx.query.cursor === 'string' && ctx.query.cursor ? ctx.query.cursor : undefined;
    const pending = await invitations.listPending(actor, { ...(cursor ? { cursor } : {}), limit: 50 });
    sendPage(ctx, invitationsPage(view, {
      invitations: pending.items, next: pending.next, catalog: deps.catalog, groups: await allGroups(groups, actor),
      canManage: actor.permissions.has('users:manage'),
    }));
  });

  async function renderInvite(ctx: Context, extra: Partial<InvitePage> = {}, status = 200) {
    const { actor, view } = consoleRequest(ctx);
    const org = await deps.settings.get(actor);
    sendPage(ctx, invitePage(view, { catalog: deps.catalog, groups: await allGroups(groups, actor), allowedMethods: org.loginPolicy.methods, ...extra }), status);
  }

  router.get('/invitations/new', (ctx) => renderInvite(ctx));

  router.post('/invitations', async (ctx) => {
    const { actor, t } = consoleRequest(ctx);
    const body = ctx.request.body as FormBody;
    const draft = { email: field(body, 'email'), roles: fieldList(body, 'roles'), groupIds: fieldList(body, 'groupIds'), loginMethods: fieldList(body, 'loginMethods') };
    try {
      await deps.delivery.invite(actor, { ...draft, roles: draft.roles.map((role) => ({ role })), loginMethods: draft.loginMethods as LoginMethod[] });
    } catch (error) {
      const { fields, general } = formErrors(t, error);
      return renderInvite(ctx, { draft, errors: fields, ...(general ? { general } : {}) }, 400);
    }
    redirectWithNotice(ctx, '/console/invitations', 'invite.sent');
  });

  router.post('/invitations/:invitationId/resend', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await deps.delivery.resend(actor, ctx.params.invitationId!);
    redirectWithNotice(ctx, '/console/invitations', 'invitations.resent');
  });

  router.get('/invitations/clear', (ctx) => {
    const { view, t } = consoleRequest(ctx);
    sendPage(ctx, confirmPage(view, 'invitations', {
      question: t('invitations.clearConfirm'), action: '/console/invitations/clear', yes: t('invitations.clearYes'), cancel: '/console/invitations',
    }));
  });

  router.post('/invitations/clear', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await invitations.clearPending(actor, {});
    redirectWithNotice(ctx, '/console/invitations', 'invitations.cleared');
  });

  router.get('/invitations/:invitationId/revoke', async (ctx) => {
    const { actor, view, t } = consoleRequest(ctx);
    const invitation = await invitations.get(actor, ctx.params.invitationId!);
    sendPage(ctx, confirmPage(view, 'invitations', {
      question: t('invitations.revokeConfirm', { email: invitation.email }),
      action: `/console/invitations/${invitation.id}/revoke`, yes: t('invitations.revokeYes'), cancel: '/console/invitations',
    }));
  });

  router.post('/invitations/:invitationId/revoke', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await invitations.revoke(actor, ctx.params.invitationId!);
    redirectWithNotice(ctx, '/console/invitations', 'invitations.revoked');
  });
}
