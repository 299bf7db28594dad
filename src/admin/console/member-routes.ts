import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Catalog } from '../../directory/catalog.ts';
import type { Directory } from '../../directory/directory.ts';
import type { LoginMethod, RoleBinding } from '../../directory/model.ts';
import type { OrganizationSettings } from '../../directory/organization-settings.ts';
import { sendPage } from '../../http/pages.ts';
import { confirmPage } from '../../../views/console/frame.ts';
import { memberPage, type MemberPage } from '../../../views/console/member.ts';
import { usersPage } from '../../../views/console/users.ts';
import { consoleRequest } from './context.ts';
import { fieldList, formErrors, splitList, type FormBody } from './form.ts';
import { redirectWithNotice } from './respond.ts';

export interface MemberRoutesDeps {
  directory: Pick<Directory, 'members' | 'groups'>;
  settings: OrganizationSettings;
  catalog: Catalog;
}

/** Every group of the organisation, for pickers and names (the plan caps groups at a few). */
export async function allGroups(groups: Directory['groups'], actor: Parameters<Directory['groups']['list']>[0]) {
  return (await groups.list(actor, { limit: 200 })).items;
}

/** The member's roles on resources after the form: those kept ticked, plus the one added (role, type, ids). */
function scopedRoles(body: FormBody, current: readonly RoleBinding[]): RoleBinding[] {
  const existing = current.filter((b) => b.scope);
  const kept = new Set(fieldList(body, 'keepScoped').map(Number));
  const result = existing.filter((_b, i) => kept.has(i));
  const role = fieldList(body, 'scopedRole')[0];
  const type = fieldList(body, 'scopeType')[0];
  const ids = splitList(fieldList(body, 'scopeIds')[0] ?? '');
  if (role) result.push({ role, scope: { type: type ?? '', ids } });
  return result;
}

/* Users: list and search, edit roles, groups and login types, suspend, reactivate, remove. */
export function addMemberRoutes(router: Router, deps: MemberRoutesDeps): void {
  const { members, groups } = deps.directory;

  router.get('/users', async (ctx) => {
    const { actor, view } = consoleRequest(ctx);
    const search = typeof ctx.query.search === 'string' ? ctx.query.search : '';
    const status = typeof ctx.query.status === 'string' && ['invited', 'active', 'suspended'].includes(ctx.query.status) ? ctx.query.status : '';
    const cursor = typeof ctx.query.cursor === 'string' && ctx.query.cursor ? ctx.query.cursor : undefined;
    const found = await members.list(actor, {
      ...(search ? { search } : {}), ...(status ? { status: status as 'active' } : {}), ...(cursor ? { cursor } : {}), limit: 50,
    });
    sendPage(ctx, usersPage(view, {
      members: found.items, next: found.next, groups: await allGroups(groups, actor), catalog: deps.catalog, search, status,
      canManage: actor.permissions.has('users:manage'),
    }));
  });

  async function renderMember(ctx: Context, extra: Partial<MemberPage> = {}, status = 200) {
    const { actor, view } = consoleRequest(ctx);
    const member = await members.get(actor, ctx.params.userId!);
    const org = await deps.settings.get(actor);
    sendPage(ctx, memberPage(view, {
      member, catalog: deps.catalog, groups: await allGroups(groups, actor), allowedMethods: org.loginPolicy.methods,
      self: actor.kind === 'user' && actor.id === member.userId, canManage: actor.permissions.has('users:manage'), ...extra,
    }), status);
  }

  router.get('/users/:userId', (ctx) => renderMember(ctx));

  router.post('/users/:userId', async (ctx) => {
    const { actor, t } = consoleRequest(ctx);
    const body = ctx.request.body as FormBody;
    const draft = { roles: fieldList(body, 'roles'), groupIds: fieldList(body, 'groupIds'), loginMethods: fieldList(body, 'loginMethods') };
    try {
      const current = await members.get(actor, ctx.params.userId!);
      await members.update(actor, current.userId, {
        roles: [...draft.roles.map((role) => ({ role })), ...scopedRoles(body, current.roles)],
        groupIds: draft.groupIds,
        loginMethods: draft.loginMethods as LoginMethod[],
      });
    } catch (error) {
      // Problems of the scoped role the form added (the last binding) belong to its fields.
      const addsScoped = fieldList(body, 'scopedRole')[0] !== undefined;
      const { fields, general } = formErrors(t, error, (path) => (addsScoped && path.startsWith('roles[') ? 'scoped' : path.split(/[.[]/)[0]));
      return renderMember(ctx, { draft, errors: fields, ...(general ? { general } : {}) }, 400);
    }
    redirectWithNotice(ctx, `/console/users/${ctx.params.userId}`, 'member.saved');
  });

  for (const step of ['suspend', 'remove'] as const) {
    router.get(`/users/:userId/${step}`, async (ctx) => {
      const { actor, view, t } = consoleRequest(ctx);
      const member = await members.get(actor, ctx.params.userId!);
      sendPage(ctx, confirmPage(view, 'users', {
        question: t(step === 'suspend' ? 'member.suspendConfirm' : 'member.removeConfirm', { who: member.email }),
        action: `/console/users/${member.userId}/${step}`,
        yes: t(step === 'suspend' ? 'member.suspendYes' : 'member.removeYes'),
        cancel: `/console/users/${member.userId}`,
      }));
    });
  }

  router.post('/users/:userId/suspend', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await members.suspend(actor, ctx.params.userId!);
    redirectWithNotice(ctx, `/console/users/${ctx.params.userId}`, 'member.suspended');
  });

  router.post('/users/:userId/reactivate', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await members.reactivate(actor, ctx.params.userId!);
    redirectWithNotice(ctx, `/console/users/${ctx.params.userId}`, 'member.reactivated');
  });

  router.post('/users/:userId/remove', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await members.remove(actor, ctx.params.userId!);
    redirectWithNotice(ctx, '/console/users', 'member.removed');
  });
}
