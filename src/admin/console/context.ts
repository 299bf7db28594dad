import type { Context, Next } from 'koa';
import type { Actor } from '../../directory/actor.ts';
import { holdsOwnerRole } from '../../directory/access.ts';
import { localeOf } from '../../i18n/locale.ts';
import type { ConsoleView, Section } from '../../../views/console/frame.ts';
import { consoleText, type ConsoleText } from '../../../views/console/text.ts';
import type { ConsoleCsrf } from './csrf.ts';
import type { ConsoleSession, ConsoleSessions } from './session.ts';

/** What a console handler works with: the actor (as the admin API would build it), the session, the page frame. */
export interface ConsoleRequest {
  actor: Actor;
  session: ConsoleSession;
  view: ConsoleView;
  t: ConsoleText;
}

export interface ConsoleContextDeps {
  sessions: ConsoleSessions;
  csrf: ConsoleCsrf;
  /** The admin API's own rule for access tokens (authenticate.ts): same token, same actor, same permissions. */
  actorForAccessToken(accessToken: string): Promise<Actor | undefined>;
}

/** Sections whose pages the actor's permissions open; the services check again on every call. */
export function sectionsFor(actor: Actor): Section[] {
  const has = (permission: string) => actor.permissions.has(permission);
  return [
    'organization',
    ...(has('users:read') ? ['users', 'invitations', 'groups'] as const : []),
    ...(has('security:manage') ? ['connections'] as const : []),
    ...(actor.kind === 'user' && holdsOwnerRole(actor.bindings) ? ['apiKeys'] as const : []),
    ...(has('security:manage') ? ['audit'] as const : []),
  ];
}

export function consoleRequest(ctx: Context): ConsoleRequest {
  return ctx.state.console as ConsoleRequest;
}

/*
 * - no session, or a token that no longer yields an actor (expired, member suspended, role removed): sign in
 *   again, coming back to the page asked for (a GET; after a POST, to the section's start)
 * - every POST carries the session's CSRF token
 * - the actor is rebuilt on each request, so a change of roles applies to the next page
 */
export function requireConsoleSession(deps: ConsoleContextDeps) {
  return async function consoleSession(ctx: Context, next: Next) {
    const session = await deps.sessions.get(ctx);
    const actor = session ? await deps.actorForAccessToken(session.accessToken) : undefined;
    if (!session || !actor) {
      if (session) await deps.sessions.end(ctx, session);
      const back = ctx.method === 'GET' ? ctx.url : '/console';
      ctx.status = 303;
      return ctx.redirect(`/console/login?return=${encodeURIComponent(back)}`);
    }
    if (ctx.method === 'POST') deps.csrf.verify(ctx, session);
    const t = consoleText(localeOf(ctx));
    const notice = typeof ctx.query.notice === 'string' && t.has(ctx.query.notice) ? ctx.query.notice : undefined;
    const request: ConsoleRequest = {
      actor: { ...actor, requestId: ctx.state.requestId as string | undefined, ip: ctx.ip },
      session,
      t,
      view: {
        t,
        csrf: deps.csrf.tokenFor(session),
        who: { name: session.name, email: session.email },
        sections: sectionsFor(actor),
        notice,
      },
    };
    ctx.state.console = request;
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
