import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import * as client from 'openid-client';
import type { KvStore } from '../common/kv.ts';
import { sendPage } from '../http/pages.ts';
import { demoResultPage, demoStartPage } from '../../views/demo.ts';

export const DEMO_CLIENT_ID = 'demo-app';
const STATE_COOKIE = 'bk_demo';
const TTL_SECONDS = 600;

/*
 * A built-in relying app for development only (`environment: development` and the demo client present):
 * it lets a person try a complete sign-in against this very server from a browser. It is an ordinary public
 * client using openid-client with PKCE, state and nonce, so it exercises exactly what a real app would.
 */
export function createDemoRouter(deps: { issuer: string; kv: KvStore }): Router {
  const router = new Router({ prefix: '/demo' });
  const redirectUri = new URL('/demo/callback', deps.issuer).href;
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => (discovered ??= client.discovery(new URL(deps.issuer), DEMO_CLIENT_ID, undefined, client.None(), {
    execute: deps.issuer.startsWith('http://') ? [client.allowInsecureRequests] : [],
  }).catch((error: unknown) => { discovered = undefined; throw error; }));

  router.get('/', (ctx) => sendPage(ctx, demoStartPage()));

  router.get('/login', async (ctx) => {
    const config = await configuration();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    await deps.kv.set(`demo:${state}`, { verifier, nonce }, TTL_SECONDS);
    ctx.cookies.set(STATE_COOKIE, state, { httpOnly: true, sameSite: 'lax', maxAge: TTL_SECONDS * 1000, overwrite: true });
    ctx.redirect(client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile organization roles',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    }).href);
  });

  router.get('/callback', async (ctx) => {
    const state = ctx.cookies.get(STATE_COOKIE) ?? randomBytes(8).toString('hex');
    const pending = await deps.kv.consume<{ verifier: string; nonce: string }>(`demo:${state}`);
    ctx.cookies.set(STATE_COOKIE, null);
    if (!pending) return sendPage(ctx, demoResultPage({ error: 'This sign-in has expired or was not started here.' }), 400);
    try {
      const tokens = await client.authorizationCodeGrant(await configuration(), new URL(ctx.href), {
        pkceCodeVerifier: pending.verifier, expectedState: state, expectedNonce: pending.nonce, idTokenExpected: true,
      });
      return sendPage(ctx, demoResultPage({ claims: tokens.claims() ?? {} }));
    } catch (error) {
      const message = error instanceof client.AuthorizationResponseError ? `${error.error}: ${error.error_description ?? ''}` : 'The code could not be exchanged.';
      return sendPage(ctx, demoResultPage({ error: message }), 400);
    }
  });

  return router;
}
