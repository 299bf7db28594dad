import * as client from 'openid-client';
import { expect } from 'vitest';
import { isPage, type Browser, type Page } from './browser.ts';

export const CALLBACK = 'https://rp.example.test/callback';
export const PASSWORD = 'correct horse battery staple';

export interface RelyingParty {
  config: client.Configuration;
  clientId: string;
}

/** A relying app as openid-client sees it, from the provider's discovery document. */
export async function relyingParty(
  issuer: string, clientId: string, secret?: string, route?: Browser['route'],
): Promise<RelyingParty> {
  const auth = secret ? client.ClientSecretBasic(secret) : client.None();
  const routed: client.CustomFetch | undefined = route
    ? (url, options) => {
      const target = route(url);
      const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
      for (const [name, value] of Object.entries(target.headers ?? {})) headers.set(name, value);
      return fetch(target.url, { ...(options as RequestInit), headers });
    }
    : undefined;
  const config = await client.discovery(new URL(issuer), clientId, { redirect_uris: [CALLBACK] }, auth, {
    execute: [client.allowInsecureRequests],
    ...(routed ? { [client.customFetch]: routed } : {}),
  });
  if (routed) config[client.customFetch] = routed;
  return { config, clientId };
}

export interface Started {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function authorizationUrl(rp: RelyingParty, params: Record<string, string> = {}): Promise<Started> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(rp.config, {
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

/** Drives the sign-in pages like a person: email, password, organisation (if asked), consent (if asked). */
export async function signIn(
  browser: Browser,
  started: Started,
  who: { email: string; password?: string; organization?: string; consent?: boolean },
): Promise<string> {
  let result = await browser.open(started.url.href, CALLBACK);
  for (let step = 0; step < 6 && isPage(result); step++) {
    const page: Page = result;
    if (page.body.includes('/email"')) {
      result = await browser.submit(page, '/email', { email: who.email }, CALLBACK);
    } else if (page.body.includes('/password"')) {
      result = await browser.submit(page, '/password', { password: who.password ?? PASSWORD }, CALLBACK);
    } else if (page.body.includes('/organization"')) {
      const match = new RegExp(`value="([^"]+)"[^>]*>[^<]*<span class="muted">\\(${who.organization}\\)`).exec(page.body);
      expect(match, `organization ${who.organization} offered`).toBeTruthy();
      result = await browser.submit(page, '/organization', { organization: match![1]! }, CALLBACK);
    } else if (page.body.includes('/consent"') && who.consent !== false) {
      result = await browser.submit(page, '/consent', {}, CALLBACK);
    } else {
      throw new Error(`unexpected page ${page.status} ${page.url}:\n${page.body.slice(0, 1500)}`);
    }
  }
  if (isPage(result)) throw new Error(`sign-in did not finish: ${result.status} ${result.body.slice(0, 500)}`);
  return result.redirectedTo;
}

export async function exchange(rp: RelyingParty, started: Started, callbackUrl: string) {
  return client.authorizationCodeGrant(rp.config, new URL(callbackUrl), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
    idTokenExpected: true,
  });
}
