import { html, type Html } from '../../src/http/html.ts';
import type { DomainChallenge } from '../../src/directory/domain-verification.ts';
import type { OrganizationView } from '../../src/directory/organization-settings.ts';
import { LOGIN_METHODS } from '../../src/directory/model.ts';
import { checkbox, choices, csrfField, errorSummary, postButton, textArea, textField, type FieldErrors } from './fields.ts';
import { consolePage, type ConsoleView } from './frame.ts';

export interface OrganizationPage {
  org: OrganizationView;
  canRename: boolean;
  canManageSecurity: boolean;
  domainVerification: boolean;
  /** The TXT record to publish, after the admin asked for it. */
  challenge?: DomainChallenge;
  /** What the admin submitted, shown again with the errors. */
  draft?: { name: string; methods: string[]; ownerPasswordFallback: boolean; googleHostedDomains: string; mfaPolicy: string; domains: string };
  errors?: FieldErrors;
  general?: string;
}

/* Organisation settings: name, allowed sign-in methods, MFA enforcement, email domains, limits in use. */
export function organizationPage(view: ConsoleView, page: OrganizationPage): Html {
  const { t } = view;
  const { org } = page;
  const draft = page.draft ?? {
    name: org.name, methods: org.loginPolicy.methods, ownerPasswordFallback: org.loginPolicy.ownerPasswordFallback,
    googleHostedDomains: org.loginPolicy.googleHostedDomains.join(', '), mfaPolicy: org.mfaPolicy,
    domains: org.domains.map((d) => d.domain).join('\n'),
  };
  const errors = page.errors ?? {};
  const security = page.canManageSecurity;
  const max = (value: number | null) => (value === null ? t('org.limits.unlimited') : value);
  return consolePage(view, 'organization', t('org.title'), html`
${errorSummary(t, errors, page.general)}
<form method="post" action="/console/organization" novalidate>
${csrfField(view.csrf)}
${page.canRename ? textField({ id: 'name', label: t('org.name'), value: draft.name, error: errors.name, required: true, autocomplete: 'organization' })
    : html`<p><strong>${t('org.name')}:</strong> ${org.name} <span class="muted">(${t('org.nameOwnerOnly')})</span></p>`}
${security ? html`
${choices({ id: 'methods', name: 'methods', legend: t('org.methods'), error: errors.methods,
    options: LOGIN_METHODS.map((m) => ({ value: m, label: t(`method.${m}`), checked: draft.methods.includes(m) })) })}
${checkbox({ id: 'ownerPasswordFallback', label: t('org.ownerFallback'), checked: draft.ownerPasswordFallback })}
${textField({ id: 'googleHostedDomains', label: t('org.googleDomains'), value: draft.googleHostedDomains, hint: t('org.googleDomainsHint'), error: errors.googleHostedDomains })}
${choices({ id: 'mfaPolicy', name: 'mfaPolicy', type: 'radio', legend: t('org.mfa'), error: errors.mfaPolicy,
    options: (['required', 'optional'] as const).map((p) => ({ value: p, label: t(`org.mfa.${p}`), checked: draft.mfaPolicy === p })) })}
${textArea({ id: 'domains', label: t('org.domains'), value: draft.domains, hint: t('org.domainsHint'), error: errors.domains, rows: 3 })}` : html``}
${page.canRename || security ? html`<button type="submit" class="primary">${t('console.save')}</button>` : html``}
</form>
<h2>${t('org.domains')}</h2>
${org.domains.length === 0 ? html`<p class="muted">${t('console.none')}</p>` : html`<ul class="domains">
${org.domains.map((d) => html`<li><span>${d.domain}</span> <span class="badge ${d.verified ? 'ok' : 'warn'}">${t(d.verified ? 'org.domain.verified' : 'org.domain.unverified')}</span>
${!d.verified && security && page.domainVerification ? html`${postButton({ action: `/console/organization/domains/${encodeURIComponent(d.domain)}/record`, csrf: view.csrf, label: t('org.domain.showRecord', { domain: d.domain }) })}
${postButton({ action: `/console/organization/domains/${encodeURIComponent(d.domain)}/verify`, csrf: view.csrf, label: t('org.domain.verify', { domain: d.domain }) })}` : html``}</li>`)}
</ul>`}
${!page.domainVerification && security ? html`<p class="muted">${t('org.domain.unavailable')}</p>` : html``}
${page.challenge ? html`<div class="record" role="status"><p>${t('org.domain.record')}</p>
${textField({ id: 'record-name', label: t('org.domain.recordName'), value: page.challenge.recordName, readonly: true })}
${textField({ id: 'record-value', label: t('org.domain.recordValue'), value: page.challenge.recordValue, readonly: true })}</div>` : html``}
<h2>${t('org.limits')}</h2>
<ul>
<li>${t('org.limits.users', { used: org.usage.users, max: max(org.limits.maxUsers) })}</li>
<li>${t('org.limits.groups', { used: org.usage.groups, max: org.limits.maxGroups })}</li>
</ul>`);
}
