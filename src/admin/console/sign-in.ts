import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import * as client from 'openid-client';
import type { KvStore } from '../../common/kv.ts';
import type { ConsoleSession, ConsoleSessions } from './session.ts';

export const CONSOLE_SCOPE = 'openid email profile organization admin';
const STATE_COOKIE = 'bk_console_login';
const STATE_TTL_SECONDS = 600;

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
  const redirectUri = new URL('/console/callback', issuer).href;
  const afterLogout = new URL('/console/signed-out', issuer).href;
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => (discovered ??= client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret), {
    execute: issuer.startsWith('http://') ? [client.allowInsecureRequests] : [],
  }).catch((error: unknown) => { discovered = undefined; throw error; }));

  router.get('/login', async (ctx) => {
    const config = await configuration();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    await deps.kv.set(`console-login:${state}`, { verifier, nonce, returnTo: safeReturnPath(ctx.query.return) }, STATE_TTL_SECONDS);
    ctx.cookies.set(STATE_COOKIE, state, { httpOnly: true, sameSite: 'lax', path: '/console', secure: ctx.secure, maxAge: STATE_TTL_SECONDS * 1000, overwrite: true });
    ctx.redirect(client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: CONSOLE_SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    }).href);
  });

  router.get('/callback', async (ctx) => {
    const state = ctx.cookies.get(STATE_COOKIE) ?? randomBytes(8).toString('hex');
    const pending = await deps.kv.consume<{ verifier: string; nonce: string; returnTo: string }>(`console-login:${state}`);
    ctx.cookies.set(STATE_COOKIE, null, { path: '/console', overwrite: true });
    if (!pending) return deps.failed(ctx, 'expired');
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(await configuration(), new URL(ctx.href), {
        pkceCodeVerifier: pending.verifier, expectedState: state, expectedNonce: pending.nonce, idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError) return deps.failed(ctx, 'refused');
      throw error;
    }
    const claims: Record<string, unknown> = tokens.claims() ?? {};
    await deps.sessions.start(ctx, {
      accessToken: tokens.access_token,
      idToken: tokens.id_token ?? '',
      name: typeof claims.name === 'string' ? claims.name : '',
      email: typeof claims.email === 'string' ? claims.email : '',
    }, Math.max(60, tokens.expiresIn() ?? 600));
    ctx.redirect(pending.returnTo);
  });

  /** Ends the console session, then Bridgekeeper's own (RP-Initiated Logout), which asks the person to confirm. */
  router.post('/logout', async (ctx) => {
    const session = await deps.sessions.get(ctx);
    deps.verifyForm(ctx, session);
    await deps.sessions.end(ctx, session);
    const config = await configuration();
    ctx.redirect(client.buildEndSessionUrl(config, {
      post_logout_redirect_uri: afterLogout,
      ...(session?.idToken ? { id_token_hint: session.idToken } : {}),
    }).href);
  });
}
