import { html, type Html } from '../../src/http/html.ts';
import type { Catalog } from '../../src/directory/catalog.ts';
import type { Member } from '../../src/directory/member-view.ts';
import { select, textField } from './fields.ts';
import { consolePage, type ConsoleView } from './frame.ts';
import { describeRoles, groupNames } from './roles.ts';

export interface UsersPage {
  members: readonly Member[];
  next?: string | undefined;
  groups: readonly { id: string; name: string }[];
  catalog: Catalog;
  search: string;
  status: string;
  canManage: boolean;
}

/* Users: search and filter, each linking to its edit page; invitations have their own page. */
export function usersPage(view: ConsoleView, page: UsersPage): Html {
  const { t } = view;
  const query = (cursor: string) => `/console/users?${new URLSearchParams({ search: page.search, status: page.status, cursor })}`;
  return consolePage(view, 'users', t('users.title'), html`
${page.canManage ? html`<p><a class="button primary" href="/console/invitations/new">${t('users.invite')}</a></p>` : html``}
<form method="get" action="/console/users" class="filters" role="search">
${textField({ id: 'search', label: t('users.search'), value: page.search, type: 'search' })}
${select({ id: 'status', label: t('users.status'), value: page.status, options: [
    { value: '', label: t('users.anyStatus') },
    ...(['active', 'invited', 'suspended'] as const).map((s) => ({ value: s, label: t(`status.${s}`) })),
  ] })}
<button type="submit" class="secondary">${t('users.filter')}</button>
</form>
${page.members.length === 0 ? html`<p>${t('users.empty')}</p>` : html`<table>
<thead><tr><th scope="col">${t('users.email')}</th><th scope="col">${t('users.name')}</th><th scope="col">${t('users.status')}</th><th scope="col">${t('users.roles')}</th><th scope="col">${t('users.groups')}</th><th scope="col">${t('users.lastLogin')}</th></tr></thead>
<tbody>
${page.members.map((m) => html`<tr><td><a href="/console/users/${m.userId}" aria-label="${t('users.edit', { who: m.email })}">${m.email}</a></td><td>${m.name}</td><td><span class="badge ${m.status === 'active' ? 'ok' : 'warn'}">${t(`status.${m.status}`)}</span></td>
<td>${describeRoles(page.catalog, m.roles)}</td><td>${groupNames(page.groups, m.groupIds)}</td><td>${m.lastLoginAt ? m.lastLoginAt.slice(0, 16).replace('T', ' ') : t('console.never')}</td></tr>`)}
</tbody></table>`}
${page.next ? html`<p><a href="${query(page.next)}">${t('console.next')}</a></p>` : html``}`);
}
