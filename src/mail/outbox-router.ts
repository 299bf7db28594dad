import Router from '@koa/router';
import { NotFoundError } from '../common/errors.ts';
import { sendPage } from '../http/pages.ts';
import { outboxListPage, outboxMessagePage } from '../../views/mail/outbox.ts';
import type { Outbox } from './outbox.ts';

const LIST_LIMIT = 100;

/*
 * The srcdoc iframe inherits this page's policy, and email HTML is styled with inline style attributes, so
 * the message page allows inline styles; otherwise it is PAGE_CSP. Scripts stay forbidden twice over
 * (default-src 'none', and the sandbox).
 */
export const OUTBOX_MESSAGE_CSP = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/*
 * Development only (the app mounts it when environment is development and no SMTP host is set): a page to
 * read the mail Bridgekeeper would have sent, so invitations, resets and codes can be followed locally.
 */
export function createOutboxRouter(deps: { outbox: Pick<Outbox, 'list' | 'get'> }): Router {
  const router = new Router({ prefix: '/dev/outbox' });

  router.get('/', async (ctx) => {
    sendPage(ctx, outboxListPage(await deps.outbox.list(LIST_LIMIT)));
  });

  router.get('/:id', async (ctx) => {
    const message = await deps.outbox.get(ctx.params.id ?? '');
    if (!message) throw new NotFoundError('message');
    sendPage(ctx, outboxMessagePage(message));
    ctx.set('Content-Security-Policy', OUTBOX_MESSAGE_CSP);
  });

  return router;
}
