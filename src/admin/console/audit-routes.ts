import type Router from '@koa/router';
import type { AuditService } from '../../directory/audit.ts';
import { sendPage } from '../../http/pages.ts';
import { auditPage, type AuditFilters } from '../../../views/console/audit.ts';
import { consoleRequest } from './context.ts';
import { formErrors } from './form.ts';

const query = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/** A datetime-local value (`2025-01-31T09:30`), read as UTC; '' when empty, undefined when unreadable. */
function instant(value: string): string | undefined {
  if (!value) return '';
  const date = new Date(/Z$|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/* The audit log with its filters; the service checks the permission and validates the rest. */
export function addAuditRoutes(router: Router, deps: { audit: AuditService }): void {
  router.get('/audit', async (ctx) => {
    const { actor, view, t } = consoleRequest(ctx);
    const filters: AuditFilters = {
      action: query(ctx.query.action), actor: query(ctx.query.actor), outcome: query(ctx.query.outcome),
      since: query(ctx.query.since), until: query(ctx.query.until),
    };
    const since = instant(filters.since);
    const until = instant(filters.until);
    const cursor = query(ctx.query.cursor);
    try {
      if (since === undefined || until === undefined) {
        const errors: Record<string, string> = {};
        if (since === undefined) errors.since = t('audit.invalidTime');
        if (until === undefined) errors.until = t('audit.invalidTime');
        return sendPage(ctx, auditPage(view, { events: [], filters, errors }), 400);
      }
      const page = await deps.audit.list(actor, {
        ...(filters.action ? { action: filters.action } : {}), ...(filters.actor ? { actor: filters.actor } : {}),
        ...(filters.outcome === 'success' || filters.outcome === 'failure' ? { outcome: filters.outcome } : {}),
        ...(since ? { since } : {}), ...(until ? { until } : {}), ...(cursor ? { cursor } : {}), limit: 50,
      });
      sendPage(ctx, auditPage(view, { events: page.items, next: page.next, filters }));
    } catch (error) {
      const { fields } = formErrors(t, error);
      sendPage(ctx, auditPage(view, { events: [], filters, errors: fields }), 400);
    }
  });
}
