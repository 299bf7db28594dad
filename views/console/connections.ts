import { html, type Html } from '../../src/http/html.ts';
import type { ConnectionView } from '../../src/admin/connections/service.ts';
import { choices, csrfField, errorSummary, textArea, textField, type FieldErrors } from './fields.ts';
import { consolePage, type ConsoleView } from './frame.ts';

/** The earliest expiry among a connection's readable certificates. */
export function earliestExpiry(connection: Pick<ConnectionView, 'certificates'>): string | undefined {
  return connection.certificates.flatMap((c) => ('notAfter' in c ? [c.notAfter] : [])).sort()[0];
}

export function connectionsPage(view: ConsoleView, connections: readonly ConnectionView[]): Html {
  const { t } = view;
  return consolePage(view, 'connections', t('connections.title'), html`
<p><a class="button primary" href="/console/connections/new">${t('connections.add')}</a></p>
${connections.length === 0 ? html`<p>${t('connections.empty')}</p>` : html`<table>
<thead><tr><th scope="col">${t('connection.name')}</th><th scope="col">${t('connections.state')}</th><th scope="col">${t('connections.certificatesExpire')}</th></tr></thead>
<tbody>${connections.map((c) => html`<tr><td><a href="/console/connections/${c.id}">${c.name}</a></td>
<td><span class="badge ${c.enabled ? 'ok' : 'warn'}">${t(c.enabled ? 'connections.enabled' : 'connections.disabled')}</span></td><td>${earliestExpiry(c)?.slice(0, 10) ?? '—'}</td></tr>`)}</tbody>
</table>`}`);
}

export interface NewConnectionDraft {
  name: string;
  source: 'xml' | 'url' | 'fields';
  metadataXml: string;
  metadataUrl: string;
  idpEntityId: string;
  ssoUrl: string;
  certificate: string;
}

/* A new SAML connection from the IdP's metadata XML, its metadata URL, or its fields. */
export function newConnectionPage(view: ConsoleView, page: { draft?: NewConnectionDraft; errors?: FieldErrors; general?: string }): Html {
  const { t } = view;
  const draft = page.draft ?? { name: '', source: 'xml', metadataXml: '', metadataUrl: '', idpEntityId: '', ssoUrl: '', certificate: '' };
  const errors = page.errors ?? {};
  return consolePage(view, 'connections', t('connection.new'), html`
${errorSummary(t, errors, page.general)}
<form method="post" action="/console/connections" novalidate>
${csrfField(view.csrf)}
${textField({ id: 'name', label: t('connection.name'), value: draft.name, hint: t('connection.nameHint'), error: errors.name, required: true })}
${choices({ id: 'source', name: 'source', type: 'radio', legend: t('connection.source'), options: (['xml', 'url', 'fields'] as const).map((s) => ({ value: s, label: t(`connection.source.${s}`), checked: draft.source === s })) })}
<fieldset class="group"><legend>${t('connection.source.xml')}</legend>
${textArea({ id: 'metadataXml', label: t('connection.metadataXml'), value: draft.metadataXml, error: errors.metadataXml, rows: 6 })}
</fieldset>
<fieldset class="group"><legend>${t('connection.source.url')}</legend>
${textField({ id: 'metadataUrl', label: t('connection.metadataUrl'), type: 'url', value: draft.metadataUrl, hint: t('connection.metadataUrlHint'), error: errors.metadataUrl })}
</fieldset>
<fieldset class="group"><legend>${t('connection.source.fields')}</legend>
${textField({ id: 'idpEntityId', label: t('connection.idpEntityId'), value: draft.idpEntityId, error: errors.idpEntityId })}
${textField({ id: 'ssoUrl', label: t('connection.ssoUrl'), type: 'url', value: draft.ssoUrl, error: errors.ssoUrl })}
${textArea({ id: 'certificate', label: t('connection.certificate'), value: draft.certificate, error: errors.certificate, rows: 6 })}
</fieldset>
<button type="submit" class="primary">${t('connection.create')}</button>
</form>`);
}
