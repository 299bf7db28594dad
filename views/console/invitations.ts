import { html, type Html } from '../../src/http/html.ts';
import type { Catalog } from '../../src/directory/catalog.ts';
import type { InvitationView } from '../../src/directory/invitations.ts';
import type { LoginMethod } from '../../src/directory/model.ts';
import { choices, csrfField, errorSummary, postButton, textField, type FieldErrors } from './fields.ts';
import { consolePage, type ConsoleView } from './frame.ts';
import { describeRoles, groupChoices, groupNames, roleChoices } from './roles.ts';

export interface InvitationsPage {
  invitations: readonly InvitationView[];
  next?: string | undefined;
  catalog: Catalog;
  groups: readonly { id: string; name: string }[];
  canManage: boolean;
}

/* Pending invitations: resend (a new link), revoke one, or withdraw them all (both asking first). */
export function invitationsPage(view: ConsoleView, page: InvitationsPage): Html {
  const { t } = view;
  return consolePage(view, 'invitations', t('invitations.title'), html`
${page.canManage ? html`<p><a class="button primary" href="/console/invitations/new">${t('users.invite')}</a></p>` : html``}
${page.invitations.length === 0 ? html`<p>${t('invitations.empty')}</p>` : html`<table>
<thead><tr><th scope="col">${t('users.email')}</th><th scope="col">${t('users.roles')}</th><th scope="col">${t('users.groups')}</th><th scope="col">${t('invitations.expires')}</th>${page.canManage ? html`<th scope="col">${t('console.actions')}</th>` : html``}</tr></thead>
<tbody>
${page.invitations.map((i) => html`<tr><td>${i.email}</td><td>${describeRoles(page.catalog, i.roles)}</td><td>${groupNames(page.groups, i.groupIds)}</td>
<td>${i.expired ? html`<span class="badge warn">${t('invitations.expired')}</span>` : i.expiresAt.slice(0, 16).replace('T', ' ')}</td>
${page.canManage ? html`<td class="row-actions">${postButton({ action: `/console/invitations/${i.id}/resend`, csrf: view.csrf, label: t('invitations.resend', { email: i.email }) })}
<a class="button danger" href="/console/invitations/${i.id}/revoke">${t('invitations.revoke', { email: i.email })}</a></td>` : html``}</tr>`)}
</tbody></table>
${page.canManage ? html`<p><a class="button danger" href="/console/invitations/clear">${t('invitations.clear')}</a></p>` : html``}`}
${page.next ? html`<p><a href="/console/invitations?cursor=${encodeURIComponent(page.next)}">${t('console.next')}</a></p>` : html``}`);
}

export interface InvitePage {
  catalog: Catalog;
  groups: readonly { id: string; name: string }[];
  allowedMethods: readonly LoginMethod[];
  draft?: { email: string; roles: string[]; groupIds: string[]; loginMethods: string[] };
  errors?: FieldErrors;
  general?: string;
}

export function invitePage(view: ConsoleView, page: InvitePage): Html {
  const { t } = view;
  const draft = page.draft ?? { email: '', roles: [], groupIds: [], loginMethods: [] };
  const errors = page.errors ?? {};
  return consolePage(view, 'invitations', t('invite.title'), html`
${errorSummary(t, errors, page.general)}
<form method="post" action="/console/invitations" novalidate>
${csrfField(view.csrf)}
${textField({ id: 'email', label: t('invite.email'), type: 'email', value: draft.email, error: errors.email, required: true, autocomplete: 'off' })}
${choices({ id: 'roles', name: 'roles', legend: t('member.roles'), options: roleChoices(page.catalog, draft.roles), error: errors.roles })}
${choices({ id: 'groupIds', name: 'groupIds', legend: t('member.groups'), options: groupChoices(page.groups, draft.groupIds), error: errors.groupIds })}
${choices({ id: 'loginMethods', name: 'loginMethods', legend: t('member.methods'), hint: t('member.methodsHint'), error: errors.loginMethods,
    options: page.allowedMethods.map((m) => ({ value: m, label: t(`method.${m}`), checked: draft.loginMethods.includes(m) })) })}
<button type="submit" class="primary">${t('invite.submit')}</button>
</form>`);
}
