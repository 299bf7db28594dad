import { html, type Html } from '../../src/http/html.ts';
import type { ConnectionView } from '../../src/admin/connections/service.ts';
import type { Catalog } from '../../src/directory/catalog.ts';
import { checkbox, choices, csrfField, errorSummary, postButton, textField } from './fields.ts';
import { consolePage, type ConsoleView } from './frame.ts';
import { roleChoices } from './roles.ts';

const SOON_MS = 30 * 24 * 3600 * 1000;

function certificates(view: ConsoleView, connection: ConnectionView, now: Date): Html {
  const { t } = view;
  return html`<table><caption>${t('connection.certificates')}</caption>
<thead><tr><th scope="col">${t('connection.cert.subject')}</th><th scope="col">${t('connection.cert.fingerprint')}</th><th scope="col">${t('connection.cert.notAfter')}</th></tr></thead>
<tbody>${connection.certificates.map((c) => ('error' in c
    ? html`<tr><td colspan="3">${t('connection.cert.invalid', { error: c.error })}</td></tr>`
    : html`<tr><td>${c.subject}</td><td><code class="wrap">${c.fingerprintSha256}</code></td><td>${c.notAfter.slice(0, 10)}
${new Date(c.notAfter) <= now ? html` <span class="badge bad">${t('connection.cert.expired')}</span>`
    : new Date(c.notAfter).getTime() - now.getTime() < SOON_MS ? html` <span class="badge warn">${t('connection.cert.expiresSoon')}</span>` : html``}</td></tr>`))}</tbody></table>`;
}

export interface ConnectionPage {
  connection: ConnectionView;
  catalog: Catalog;
  now: Date;
  /** The one-time test sign-in link, once asked for. */
  testUrl?: string;
  general?: string;
}

/* One SSO connection: what to enter at the IdP, the IdP's certificates, enabling, testing, provisioning. */
export function connectionPage(view: ConsoleView, page: ConnectionPage): Html {
  const { t } = view;
  const { connection: c } = page;
  const base = `/console/connections/${c.id}`;
  const rules = Array.isArray(c.mapping.rules) ? c.mapping.rules.length : 0;
  const setting = (name: string) => (typeof c.settings[name] === 'string' ? c.settings[name] : '');
  return consolePage(view, 'connections', c.name, html`
<p><span class="badge ${c.enabled ? 'ok' : 'warn'}">${t(c.enabled ? 'connections.enabled' : 'connections.disabled')}</span></p>
${errorSummary(t, undefined, page.general)}
<div class="actions">
${c.enabled ? html`<a class="button danger" href="${base}/disable">${t('connection.disable')}</a>` : postButton({ action: `${base}/enable`, csrf: view.csrf, label: t('connection.enable'), kind: 'primary' })}
${postButton({ action: `${base}/test`, csrf: view.csrf, label: t('connection.test') })}
${setting('metadataUrl') ? postButton({ action: `${base}/refresh`, csrf: view.csrf, label: t('connection.refresh') }) : html``}
</div>
${page.testUrl ? html`<div class="record" role="status"><p>${t('connection.testReady')}</p><p><a href="${page.testUrl}" id="test-link">${t('connection.testLink')}</a></p></div>` : html``}
<h2>${t('connection.sp')}</h2>
${textField({ id: 'sp-entity-id', label: t('connection.spEntityId'), value: c.sp.spEntityId, readonly: true })}
${textField({ id: 'sp-acs-url', label: t('connection.acsUrl'), value: c.sp.acsUrl, readonly: true })}
${textField({ id: 'sp-metadata-url', label: t('connection.spMetadataUrl'), value: c.sp.metadataUrl, readonly: true })}
<h2>${t('connection.idp')}</h2>
<dl><dt>${t('connection.idpEntityId')}</dt><dd>${setting('idpEntityId')}</dd><dt>${t('connection.ssoUrl')}</dt><dd>${setting('ssoUrl')}</dd>
${setting('metadataUrl') ? html`<dt>${t('connection.metadataUrl')}</dt><dd>${setting('metadataUrl')}</dd>` : html``}</dl>
${certificates(view, c, page.now)}
<h2>${t('connection.mapping')}</h2>
<p><a href="${base}/mapping">${t('connection.mappingLink', { count: rules })}</a></p>
<h2>${t('connection.jit')}</h2>
<form method="post" action="${base}/jit" novalidate>
${csrfField(view.csrf)}
${checkbox({ id: 'jitEnabled', label: t('connection.jitEnabled'), checked: c.jit.enabled })}
${choices({ id: 'defaultRoles', name: 'defaultRoles', legend: t('connection.jitRoles'), options: roleChoices(page.catalog, c.jit.defaultRoles) })}
<button type="submit" class="primary">${t('console.save')}</button>
</form>
<p class="actions"><a class="button danger" href="${base}/delete">${t('connection.delete')}</a></p>`);
}
