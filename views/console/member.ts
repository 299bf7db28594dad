import { html, type Html } from '../../src/http/html.ts';
import type { Catalog } from '../../src/directory/catalog.ts';
import type { Member } from '../../src/directory/member-view.ts';
import type { LoginMethod } from '../../src/directory/model.ts';
import { checkbox, choices, csrfField, errorSummary, postButton, select, textField, type FieldErrors } from './fields.ts';
import { consolePage, type ConsoleView } from './frame.ts';
import { describeRoles, groupChoices, roleChoices, scopedRoleOptions } from './roles.ts';

export interface MemberPage {
  member: Member;
  catalog: Catalog;
  groups: readonly { id: string; name: string }[];
  allowedMethods: readonly LoginMethod[];
  self: boolean;
  canManage: boolean;
  draft?: { roles: string[]; groupIds: string[]; loginMethods: string[] };
  errors?: FieldErrors;
  general?: string;
}

/* One member: roles, groups and login types; suspend, reactivate and remove (each asking first when destructive). */
export function memberPage(view: ConsoleView, page: MemberPage): Html {
  const { t } = view;
  const { member } = page;
  const who = member.name ? `${member.name} <${member.email}>` : member.email;
  const draft = page.draft ?? { roles: member.roles.filter((b) => !b.scope).map((b) => b.role), groupIds: member.groupIds, loginMethods: member.loginMethods };
  const scoped = member.roles.filter((b) => b.scope);
  const errors = page.errors ?? {};
  const editable = page.canManage && !page.self;
  const base = `/console/users/${member.userId}`;
  return consolePage(view, 'users', t('member.title', { who }), html`
<p><span class="badge ${member.status === 'active' ? 'ok' : 'warn'}">${t(`status.${member.status}`)}</span></p>
${page.self ? html`<p class="muted">${t('member.self')}</p>` : html``}
${errorSummary(t, errors, page.general)}
${editable ? html`<form method="post" action="${base}" novalidate>
${csrfField(view.csrf)}
${choices({ id: 'roles', name: 'roles', legend: t('member.roles'), options: roleChoices(page.catalog, draft.roles), error: errors.roles })}
${scopedRolesFields(view, page, scoped)}
${choices({ id: 'groupIds', name: 'groupIds', legend: t('member.groups'), options: groupChoices(page.groups, draft.groupIds), error: errors.groupIds })}
${choices({ id: 'loginMethods', name: 'loginMethods', legend: t('member.methods'), hint: t('member.methodsHint'), error: errors.loginMethods,
    options: page.allowedMethods.map((m) => ({ value: m, label: t(`method.${m}`), checked: draft.loginMethods.includes(m) })) })}
<button type="submit" class="primary">${t('console.save')}</button>
</form>
<div class="actions">
${member.status === 'suspended'
    ? postButton({ action: `${base}/reactivate`, csrf: view.csrf, label: t('member.reactivate') })
    : html`<a class="button secondary" href="${base}/suspend">${t('member.suspend')}</a>`}
<a class="button danger" href="${base}/remove">${t('member.remove')}</a>
</div>` : html`<p>${t('member.roles')}: ${describeRoles(page.catalog, member.roles) || t('console.none')}</p>`}`);
}

/* Roles on specific resources (the seeds' source-specific roles): keep or drop each one, add one more. */
function scopedRolesFields(view: ConsoleView, page: MemberPage, scoped: readonly { role: string; scope?: { type: string; ids: string[] } }[]): Html {
  const { t } = view;
  const options = scopedRoleOptions(page.catalog);
  const errors = page.errors ?? {};
  return html`<fieldset class="field" id="scoped"><legend>${t('member.scoped.legend')}</legend>
${scoped.map((binding, i) => checkbox({ id: `keepScoped-${i}`, name: 'keepScoped', label: describeRoles(page.catalog, [binding]), checked: true, value: String(i) }))}
${select({ id: 'scopedRole', label: t('member.scoped.role'), options: [{ value: '', label: t('member.scoped.noneToAdd') }, ...options.roles] })}
${select({ id: 'scopeType', label: t('member.scoped.type'), options: options.types })}
${textField({ id: 'scopeIds', label: t('member.scoped.ids'), hint: t('member.scoped.idsHint'), error: errors.scoped })}
</fieldset>`;
}
