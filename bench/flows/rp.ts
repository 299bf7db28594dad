import * as client from 'openid-client';
import { CALLBACK } from '../world.ts';

/*
 * The relying app, as openid-client sees it: discovery, then for each sign-in a fresh PKCE verifier (S256),
 * state and nonce, and at the end the code exchange with every check the library makes on the ID token
 * (issuer, audience, nonce, expiry) plus its JWS signature against the provider's JWKS.
 */
export interface RelyingApp {
  config: client.Configuration;
}

export interface StartedSignIn {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function relyingApp(issuer: string, clientId: string, secret: string): Promise<RelyingApp> {
  const config = await client.discovery(new URL(issuer), clientId, { redirect_uris: [CALLBACK] }, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
  });
  return { config };
}

export async function startSignIn(app: RelyingApp, params: Record<string, string> = {}): Promise<StartedSignIn> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(app.config, {
    redirect_uri: CALLBACK,
    scope: 'openid email profile organization roles',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
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
