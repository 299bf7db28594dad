import type { Context } from 'koa';
import type { ConsoleMessageId } from '../../../views/console/text.ts';

/** After a change: 303 to the page to show, announcing what happened (Post/Redirect/Get, so a reload repeats nothing). */
export function redirectWithNotice(ctx: Context, path: string, notice: ConsoleMessageId): void {
  ctx.status = 303;
  ctx.redirect(`${path}${path.includes('?') ? '&' : '?'}notice=${encodeURIComponent(notice)}`);
}
