import type Router from '@koa/router';
import type { Context } from 'koa';
import * as client from 'openid-client';
import type { KvStore } from '../../common/kv.ts';
import { createSelfSignIn } from '../../http/self-sign-in.ts';
import type { ConsoleSession, ConsoleSessions } from './session.ts';

export const CONSOLE_SCOPE = 'openid email profile organization admin';

export interface ConsoleClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface ConsoleSignInDeps {
  client: ConsoleClient;
  kv: KvStore;
  sessions: ConsoleSessions;
  /** Renders a failed sign-in (the console's error page). */
  failed(ctx: Context, reason: 'expired' | 'refused'): void;
  /** @throws AppError 403 when the form's CSRF token does not belong to the session. */
  verifyForm(ctx: Context, session: ConsoleSession | undefined): void;
}

/** Only the console's own pages are places to come back to: never an absolute or protocol-relative URL. */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/console(\/[\w\-./?=&%]*)?$/.test(value) && !value.includes('//') ? value : '/console';
}

/*
 * The console signs its admins in through Bridgekeeper itself, as a confidential first-party client
 * (authorization code + PKCE S256 + state + nonce, openid-client): the same journey, login policy, MFA and
 * organisation choice as any app, and an access token with the `admin` scope that the admin API would accept.
 */
export function addConsoleSignIn(router: Router, deps: ConsoleSignInDeps): void {
  const { issuer, clientId, clientSecret } = deps.client;
  const afterLogout = new URL('/console/signed-out', issuer).href;
  const signIn = createSelfSignIn<{ returnTo: string }>({
    issuer, clientId, clientSecret, callbackPath: '/console/callback', scope: CONSOLE_SCOPE,
    cookie: 'bk_console_login', cookiePath: '/console', kv: deps.kv,
  });

  router.get('/login', (ctx) => signIn.begin(ctx, { returnTo: safeReturnPath(ctx.query.return) }));

  router.get('/callback', async (ctx) => {
    const result = await signIn.finish(ctx);
    if (result.outcome !== 'signed-in') return deps.failed(ctx, result.outcome);
    const { tokens } = result;
    const claims: Record<string, unknown> = tokens.claims() ?? {};
    await deps.sessions.start(ctx, {
      accessToken: tokens.access_token,
      idToken: tokens.id_token ?? '',
      name: typeof claims.name === 'string' ? claims.name : '',
      email: typeof claims.email === 'string' ? claims.email : '',
    }, Math.max(60, tokens.expiresIn() ?? 600));
    ctx.redirect(result.extra.returnTo);
  });

  /** Ends the console session, then Bridgekeeper's own (RP-Initiated Logout), which asks the person to confirm. */
  router.post('/logout', async (ctx) => {
    const session = await deps.sessions.get(ctx);
    deps.verifyForm(ctx, session);
    await deps.sessions.end(ctx, session);
    const config = await signIn.configuration();
    ctx.redirect(client.buildEndSessionUrl(config, {
      post_logout_redirect_uri: afterLogout,
      ...(session?.idToken ? { id_token_hint: session.idToken } : {}),
    }).href);
  });
}
