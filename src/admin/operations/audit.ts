import { z } from 'zod';
import type { AuditService } from '../../directory/audit.ts';
import { operation, type Operation } from '../route.ts';
import { auditEventView, page, pageQuery } from '../schemas.ts';

const listQuery = pageQuery.extend({
  action: z.string().min(1).max(100).optional().describe('Only this action, e.g. `member.suspended`.'),
  actor: z.string().min(1).max(200).optional().describe('Only this actor, e.g. `user:<id>`.'),
  outcome: z.enum(['success', 'failure']).optional(),
  since: z.iso.datetime().optional().describe('From this instant on (ISO 8601).'),
  until: z.iso.datetime().optional().describe('Before this instant (ISO 8601).'),
});

export function auditOperations(audit: AuditService): Operation[] {
  return [
    operation({
      method: 'get', path: '/audit-events', operationId: 'listAuditEvents', tag: 'Audit',
      summary: 'The organisation\'s audit log, oldest first, filtered.',
      query: listQuery,
      response: page(auditEventView),
      handle: ({ actor, query }) => audit.list(actor, query),
    }),
  ];
}
