import { html, type Html } from '../../src/http/html.ts';
import type { AuditEvent } from '../../src/directory/model.ts';
import { errorSummary, select, textField, type FieldErrors } from './fields.ts';
import { consolePage, type ConsoleView } from './frame.ts';

export interface AuditFilters {
  action: string;
  actor: string;
  outcome: string;
  since: string;
  until: string;
}

/* The audit log, filtered by action, actor, outcome and a time range (UTC), page by page. */
export function auditPage(view: ConsoleView, page: { events: readonly AuditEvent[]; next?: string | undefined; filters: AuditFilters; errors?: FieldErrors }): Html {
  const { t } = view;
  const f = page.filters;
  const errors = page.errors ?? {};
  const nextHref = page.next ? `/console/audit?${new URLSearchParams({ ...f, cursor: page.next })}` : undefined;
  return consolePage(view, 'audit', t('audit.title'), html`
${errorSummary(t, errors)}
<form method="get" action="/console/audit" class="filters" novalidate>
${textField({ id: 'action', label: t('audit.action'), value: f.action, error: errors.action })}
${textField({ id: 'actor', label: t('audit.actor'), value: f.actor, error: errors.actor })}
${select({ id: 'outcome', label: t('audit.outcome'), value: f.outcome, options: [
    { value: '', label: t('audit.anyOutcome') }, { value: 'success', label: t('audit.success') }, { value: 'failure', label: t('audit.failure') },
  ] })}
${textField({ id: 'since', label: t('audit.since'), type: 'datetime-local', value: f.since, error: errors.since })}
${textField({ id: 'until', label: t('audit.until'), type: 'datetime-local', value: f.until, error: errors.until })}
<button type="submit" class="secondary">${t('audit.filter')}</button>
</form>
${page.events.length === 0 ? html`<p>${t('audit.empty')}</p>` : html`<table>
<thead><tr><th scope="col">${t('audit.when')}</th><th scope="col">${t('audit.action')}</th><th scope="col">${t('audit.actor')}</th><th scope="col">${t('audit.target')}</th><th scope="col">${t('audit.outcome')}</th><th scope="col">${t('audit.details')}</th></tr></thead>
<tbody>${page.events.map((e) => html`<tr><td>${e.createdAt.slice(0, 19).replace('T', ' ')}</td><td><code>${e.action}</code></td><td>${e.actor}</td><td>${e.target ?? ''}</td>
<td><span class="badge ${e.outcome === 'success' ? 'ok' : 'bad'}">${t(e.outcome === 'success' ? 'audit.success' : 'audit.failure')}</span></td><td><code class="wrap">${JSON.stringify(e.details)}</code></td></tr>`)}</tbody>
</table>`}
${nextHref ? html`<p><a href="${nextHref}">${t('console.next')}</a></p>` : html``}`);
}
