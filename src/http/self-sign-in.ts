import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import * as client from 'openid-client';
import type { KvStore } from '../common/kv.ts';

export interface SelfSignInOptions {
  issuer: string;
  clientId: string;
  /** Confidential clients authenticate with client_secret_basic; public ones (no secret) with PKCE only. */
  clientSecret?: string;
  /** Our callback path, e.g. `/console/callback`. */
  callbackPath: string;
  scope: string;
  /** Name of the short cookie that ties the callback to the browser that started; also the KV namespace. */
  cookie: string;
  /** Cookie path: where the callback is. */
  cookiePath: string;
  kv: KvStore;
}

export type SelfSignInResult<E> =
  | { outcome: 'signed-in'; tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>; extra: E }
  | { outcome: 'expired' }
  | { outcome: 'refused'; error: unknown };

const TTL_SECONDS = 600;

/*
 * Our own pages signing a person in through this very provider, as any relying app would (the admin console,
 * the development demo): openid-client, authorization code + PKCE S256 + state + nonce. The state rides in a
 * short SameSite=Lax cookie (the callback is a top-level redirect) and the verifier and nonce in the KV store
 * under it, so any instance can finish what another began, and only the browser that began it.
 */
export function createSelfSignIn<E extends object = Record<string, never>>(options: SelfSignInOptions) {
  const redirectUri = new URL(options.callbackPath, options.issuer).href;
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => (discovered ??= client.discovery(
    new URL(options.issuer), options.clientId, undefined,
    options.clientSecret ? client.ClientSecretBasic(options.clientSecret) : client.None(),
    { execute: options.issuer.startsWith('http://') ? [client.allowInsecureRequests] : [] },
  ).catch((error: unknown) => { discovered = undefined; throw error; }));
  const key = (state: string) => `${options.cookie}:${state}`;

  return {
    configuration,

    /** Redirects the browser to the authorization endpoint; `extra` comes back with the result. */
    async begin(ctx: Context, extra: E): Promise<void> {
      const config = await configuration();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      await options.kv.set(key(state), { verifier, nonce, extra }, TTL_SECONDS);
      ctx.cookies.set(options.cookie, state, { httpOnly: true, sameSite: 'lax', path: options.cookiePath, secure: ctx.secure, maxAge: TTL_SECONDS * 1000, overwrite: true });
      ctx.redirect(client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri, scope: options.scope,
        code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce,
      }).href);
    },

    /** At the callback: the tokens (ID token checked), or why not. The attempt is used up either way. */
    async finish(ctx: Context): Promise<SelfSignInResult<E>> {
      const state = ctx.cookies.get(options.cookie) ?? randomBytes(8).toString('hex');
      const pending = await options.kv.consume<{ verifier: string; nonce: string; extra: E }>(key(state));
      ctx.cookies.set(options.cookie, null, { path: options.cookiePath, overwrite: true });
      if (!pending) return { outcome: 'expired' };
      try {
        const tokens = await client.authorizationCodeGrant(await configuration(), new URL(ctx.href), {
          pkceCodeVerifier: pending.verifier, expectedState: state, expectedNonce: pending.nonce, idTokenExpected: true,
        });
        return { outcome: 'signed-in', tokens, extra: pending.extra };
      } catch (error) {
        if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError) return { outcome: 'refused', error };
        throw error;
      }
    },
  };
}
