import * as client from 'openid-client';
import { authorizationUrl, type Started } from '../../test/support/oidc-flow.ts';
import { CALLBACK } from '../world.ts';
import { lightFetch } from './http-client.ts';

/*
 * The relying app, as openid-client sees it: discovery, then for each sign-in a fresh PKCE verifier (S256),
 * state and nonce, and at the end the code exchange with every check the library makes on the ID token
 * (issuer, audience, nonce, expiry) plus its JWS signature against the provider's JWKS.
 */
export interface RelyingApp {
  config: client.Configuration;
}

export type StartedSignIn = Started;

export async function relyingApp(issuer: string, clientId: string, secret: string): Promise<RelyingApp> {
  const config = await client.discovery(new URL(issuer), clientId, { redirect_uris: [CALLBACK] }, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
    [client.customFetch]: lightFetch,
  });
  return { config };
}

/** A fresh PKCE verifier, state and nonce, and the authorization URL: the test suite's own relying-app step. */
export function startSignIn(app: RelyingApp, params: Record<string, string> = {}): Promise<StartedSignIn> {
  return authorizationUrl({ config: app.config, clientId: app.config.clientMetadata().client_id }, { redirect_uri: CALLBACK, ...params });
}

/** Redeems the code from the callback URL; throws unless an ID token came back and passed every check. */
export async function finishSignIn(app: RelyingApp, started: StartedSignIn, callbackUrl: string) {
  const tokens = await client.authorizationCodeGrant(app.config, new URL(callbackUrl), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
    idTokenExpected: true,
  });
  if (!tokens.claims()?.sub) throw new Error('no subject in the ID token');
  return tokens;
}
