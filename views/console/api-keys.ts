import { html, type Html } from '../../src/http/html.ts';
import type { ApiKeyView } from '../../src/directory/api-keys.ts';
import type { Catalog } from '../../src/directory/catalog.ts';
import { choices, csrfField, errorSummary, textField, type FieldErrors } from './fields.ts';
import { consolePage, type ConsoleView } from './frame.ts';
import { describeRoles, roleChoices } from './roles.ts';

export interface ApiKeysPage {
  keys: readonly ApiKeyView[];
  catalog: Catalog;
  /** The full key just created: on this response only. */
  created?: string;
  draft?: { name: string; roles: string[] };
  errors?: FieldErrors;
  general?: string;
}

/* API keys (owner only): the list without secrets, a new key shown once, revocation after confirmation. */
export function apiKeysPage(view: ConsoleView, page: ApiKeysPage): Html {
  const { t } = view;
  const draft = page.draft ?? { name: '', roles: [] };
  const errors = page.errors ?? {};
  return consolePage(view, 'apiKeys', t('apiKeys.title'), html`
<p class="muted">${t('apiKeys.ownerOnly')}</p>
${page.created ? html`<div class="record" role="status"><p>${t('apiKeys.created')}</p>
${textField({ id: 'created-key', label: t('apiKeys.secret'), value: page.created, readonly: true })}</div>` : html``}
${page.keys.length === 0 ? html`<p>${t('apiKeys.empty')}</p>` : html`<table>
<thead><tr><th scope="col">${t('apiKeys.name')}</th><th scope="col">${t('apiKeys.prefix')}</th><th scope="col">${t('apiKeys.roles')}</th><th scope="col">${t('apiKeys.lastUsed')}</th><th scope="col">${t('console.actions')}</th></tr></thead>
<tbody>${page.keys.map((k) => html`<tr><td>${k.name}</td><td><code>${k.prefix}</code></td><td>${describeRoles(page.catalog, k.roles)}</td>
<td>${k.lastUsedAt ? k.lastUsedAt.slice(0, 16).replace('T', ' ') : t('console.never')}</td><td><a class="button danger" href="/console/api-keys/${k.id}/revoke">${t('apiKeys.revoke', { name: k.name })}</a></td></tr>`)}</tbody>
</table>`}
<h2>${t('apiKeys.create')}</h2>
${errorSummary(t, errors, page.general)}
<form method="post" action="/console/api-keys" novalidate>
${csrfField(view.csrf)}
${textField({ id: 'name', label: t('apiKeys.name'), value: draft.name, hint: t('apiKeys.nameHint'), error: errors.name, required: true })}
${choices({ id: 'roles', name: 'roles', legend: t('apiKeys.roles'), options: roleChoices(page.catalog, draft.roles), error: errors.roles })}
<button type="submit" class="primary">${t('apiKeys.create')}</button>
</form>`);
}
