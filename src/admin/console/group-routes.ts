import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Catalog } from '../../directory/catalog.ts';
import type { Directory } from '../../directory/directory.ts';
import type { OrganizationSettings } from '../../directory/organization-settings.ts';
import { sendPage } from '../../http/pages.ts';
import { confirmPage } from '../../../views/console/frame.ts';
import { groupPage, groupsPage, type GroupDraft } from '../../../views/console/groups.ts';
import { consoleRequest } from './context.ts';
import { field, fieldList, formErrors, type FormBody } from './form.ts';
import { allGroups } from './member-routes.ts';
import { redirectWithNotice } from './respond.ts';

export interface GroupRoutesDeps {
  groups: Directory['groups'];
  settings: OrganizationSettings;
  catalog: Catalog;
}

function draftOf(body: FormBody): GroupDraft {
  return { name: field(body, 'name'), description: field(body, 'description'), roles: fieldList(body, 'roles') };
}

/* Groups and the roles they carry into their members' permissions. */
export function addGroupRoutes(router: Router, deps: GroupRoutesDeps): void {
  const { groups } = deps;

  async function renderList(ctx: Context, extra: { draft?: GroupDraft; errors?: Record<string, string>; general?: string } = {}, status = 200) {
    const { actor, view } = consoleRequest(ctx);
    const org = await deps.settings.get(actor);
    sendPage(ctx, groupsPage(view, {
      groups: await allGroups(groups, actor), catalog: deps.catalog, limit: org.limits.maxGroups, canManage: actor.permissions.has('users:manage'), ...extra,
    }), status);
  }

  router.get('/groups', (ctx) => renderList(ctx));

  router.post('/groups', async (ctx) => {
    const { actor, t } = consoleRequest(ctx);
    const draft = draftOf(ctx.request.body as FormBody);
    try {
      await groups.create(actor, { ...draft, roles: draft.roles.map((role) => ({ role })) });
    } catch (error) {
      const { fields, general } = formErrors(t, error);
      return renderList(ctx, { draft, errors: fields, ...(general ? { general } : {}) }, 400);
    }
    redirectWithNotice(ctx, '/console/groups', 'groups.created');
  });

  router.get('/groups/:groupId', async (ctx) => {
    const { actor, view } = consoleRequest(ctx);
    sendPage(ctx, groupPage(view, { group: await groups.get(actor, ctx.params.groupId!), catalog: deps.catalog }));
  });

  router.post('/groups/:groupId', async (ctx) => {
    const { actor, view, t } = consoleRequest(ctx);
    const draft = draftOf(ctx.request.body as FormBody);
    const group = await groups.get(actor, ctx.params.groupId!);
    try {
      await groups.update(actor, group.id, { ...draft, roles: [...draft.roles.map((role) => ({ role })), ...group.roles.filter((b) => b.scope)] });
    } catch (error) {
      const { fields, general } = formErrors(t, error);
      return sendPage(ctx, groupPage(view, { group, catalog: deps.catalog, draft, errors: fields, ...(general ? { general } : {}) }), 400);
    }
    redirectWithNotice(ctx, `/console/groups/${group.id}`, 'groups.saved');
  });

  router.get('/groups/:groupId/delete', async (ctx) => {
    const { actor, view, t } = consoleRequest(ctx);
    const group = await groups.get(actor, ctx.params.groupId!);
    sendPage(ctx, confirmPage(view, 'groups', {
      question: t('groups.deleteConfirm', { name: group.name }), action: `/console/groups/${group.id}/delete`, yes: t('groups.deleteYes'), cancel: `/console/groups/${group.id}`,
    }));
  });

  router.post('/groups/:groupId/delete', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await groups.delete(actor, ctx.params.groupId!);
    redirectWithNotice(ctx, '/console/groups', 'groups.deleted');
  });
}
