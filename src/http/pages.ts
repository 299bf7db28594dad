import type { Context } from 'koa';
import type { Html } from './html.ts';

/*
 * Every sign-in page: HTML, never cached (it carries per-interaction tokens), never framed, no scripts, no
 * external assets, and no referrer.
 */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

export function sendPage(ctx: Context, page: Html, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', PAGE_CSP);
  ctx.body = page.value;
}
