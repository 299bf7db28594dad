import { html, type Html } from '../../src/http/html.ts';
import type { Catalog } from '../../src/directory/catalog.ts';
import type { GroupView } from '../../src/directory/groups.ts';
import { choices, csrfField, errorSummary, textField, type FieldErrors } from './fields.ts';
import { consolePage, type ConsoleView } from './frame.ts';
import { describeRoles, roleChoices } from './roles.ts';

export interface GroupDraft {
  name: string;
  description: string;
  roles: string[];
}

function groupForm(view: ConsoleView, catalog: Catalog, form: { action: string; draft: GroupDraft; errors: FieldErrors; submit: string }): Html {
  const { t } = view;
  return html`<form method="post" action="${form.action}" novalidate>
${csrfField(view.csrf)}
${textField({ id: 'name', label: t('groups.name'), value: form.draft.name, hint: t('groups.nameHint'), error: form.errors.name, required: true })}
${textField({ id: 'description', label: t('groups.description'), value: form.draft.description, error: form.errors.description })}
${choices({ id: 'roles', name: 'roles', legend: t('groups.roles'), options: roleChoices(catalog, form.draft.roles), error: form.errors.roles })}
<button type="submit" class="primary">${form.submit}</button>
</form>`;
}

export interface GroupsPage {
  groups: readonly GroupView[];
  catalog: Catalog;
  limit: number;
  canManage: boolean;
  draft?: GroupDraft;
  errors?: FieldErrors;
  general?: string;
}

/* Groups and their roles; a new group is created on the same page, within the plan's limit. */
export function groupsPage(view: ConsoleView, page: GroupsPage): Html {
  const { t } = view;
  return consolePage(view, 'groups', t('groups.title'), html`
<p class="muted">${t('groups.limit', { used: page.groups.length, max: page.limit })}</p>
${page.groups.length === 0 ? html`<p>${t('groups.empty')}</p>` : html`<table>
<thead><tr><th scope="col">${t('groups.name')}</th><th scope="col">${t('groups.description')}</th><th scope="col">${t('groups.roles')}</th><th scope="col">${t('groups.members')}</th></tr></thead>
<tbody>${page.groups.map((g) => html`<tr><td>${page.canManage ? html`<a href="/console/groups/${g.id}" aria-label="${t('groups.edit', { name: g.name })}">${g.name}</a>` : g.name}</td><td>${g.description}</td><td>${describeRoles(page.catalog, g.roles)}</td><td>${g.memberCount}</td></tr>`)}</tbody>
</table>`}
${page.canManage ? html`<h2>${t('groups.create')}</h2>
${errorSummary(t, page.errors, page.general)}
${groupForm(view, page.catalog, { action: '/console/groups', draft: page.draft ?? { name: '', description: '', roles: [] }, errors: page.errors ?? {}, submit: t('groups.create') })}` : html``}`);
}

export function groupPage(view: ConsoleView, page: { group: GroupView; catalog: Catalog; draft?: GroupDraft; errors?: FieldErrors; general?: string }): Html {
  const { t } = view;
  const { group } = page;
  const scoped = group.roles.filter((b) => b.scope);
  const draft = page.draft ?? { name: group.name, description: group.description, roles: group.roles.filter((b) => !b.scope).map((b) => b.role) };
  return consolePage(view, 'groups', t('groups.edit', { name: group.name }), html`
${errorSummary(t, page.errors, page.general)}
${groupForm(view, page.catalog, { action: `/console/groups/${group.id}`, draft, errors: page.errors ?? {}, submit: t('console.save') })}
${scoped.length > 0 ? html`<p class="hint">${t('member.scopedRoles', { roles: describeRoles(page.catalog, scoped) })}</p>` : html``}
<p class="actions"><a class="button danger" href="/console/groups/${group.id}/delete">${t('groups.delete')}</a></p>`);
}
