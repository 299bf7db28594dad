import Router from '@koa/router';
import * as client from 'openid-client';
import type { KvStore } from '../common/kv.ts';
import { createSelfSignIn } from '../http/self-sign-in.ts';
import { sendPage } from '../http/pages.ts';
import { demoResultPage, demoStartPage } from '../../views/demo.ts';

export const DEMO_CLIENT_ID = 'demo-app';

/*
 * A built-in relying app for development only (`environment: development` and the demo client present):
 * it lets a person try a complete sign-in against this very server from a browser. It is an ordinary public
 * client using openid-client with PKCE, state and nonce, so it exercises exactly what a real app would.
 */
export function createDemoRouter(deps: { issuer: string; kv: KvStore }): Router {
  const router = new Router({ prefix: '/demo' });
  const signIn = createSelfSignIn({
    issuer: deps.issuer, clientId: DEMO_CLIENT_ID, callbackPath: '/demo/callback', scope: 'openid email profile organization roles',
    cookie: 'bk_demo', cookiePath: '/demo', kv: deps.kv,
  });

  router.get('/', (ctx) => sendPage(ctx, demoStartPage()));

  router.get('/login', (ctx) => signIn.begin(ctx, {}));

  router.get('/callback', async (ctx) => {
    const result = await signIn.finish(ctx);
    if (result.outcome === 'signed-in') return sendPage(ctx, demoResultPage({ claims: result.tokens.claims() ?? {} }));
    const message = result.outcome === 'expired'
      ? 'This sign-in has expired or was not started here.'
      : result.error instanceof client.AuthorizationResponseError ? `${result.error.error}: ${result.error.error_description ?? ''}` : 'The code could not be exchanged.';
    return sendPage(ctx, demoResultPage({ error: message }), 400);
  });

  return router;
}
