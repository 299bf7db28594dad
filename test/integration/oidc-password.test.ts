import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyService } from '../../src/oidc/keys.ts';
import { openStoresBeside } from '../support/stores-beside.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { startBridgekeeper, type Backends, type TestServer } from '../support/bridgekeeper.ts';
import { authorizationUrl, CALLBACK, exchange, relyingParty, signIn, type RelyingParty } from '../support/oidc-flow.ts';

const WORLD = fileURLToPath(new URL('../fixtures/oidc-world.yaml', import.meta.url));
const FIRST_PARTY_SECRET = 'first-party-secret-0123456789abcdef';
const THIRD_PARTY_SECRET = 'third-party-secret-0123456789abcdef';

describe.each<Backends>(['embedded', 'redis+ferretdb'])('password sign-in with openid-client (%s)', (backends) => {
  let server: TestServer;
  let rp: RelyingParty;

  beforeAll(async () => {
    server = await startBridgekeeper({ backends, bootstrap: WORLD });
    rp = await relyingParty(server.issuer, 'rp-first', FIRST_PARTY_SECRET);
  });
  afterAll(async () => { await server?.stop(); });

  it('signs a user in and issues an ID token signed with a published key, with organisation and role claims', async () => {
    const browser = new Browser();
    const started = await authorizationUrl(rp);
    const callback = await signIn(browser, started, { email: 'ada@acme.test' });
    const tokens = await exchange(rp, started, callback);

    const jwks = createRemoteJWKSet(new URL(rp.config.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, jwks, { issuer: server.issuer, audience: 'rp-first' });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.nonce).toBe(started.nonce);
    expect(payload.sub).toMatch(/^[0-9a-z]{26}$/);
    expect(payload.sub).not.toContain('@');
    expect(payload).toMatchObject({
      email: 'ada@acme.test', email_verified: true, name: 'Ada Lovelace',
      org: 'acme', amr: ['pwd'],
      groups: ['Editors'],
    });
    expect(payload.org_id).toEqual(expect.any(String));
    expect(payload.roles).toEqual(expect.arrayContaining(['developer']));
    expect(payload.permissions).toEqual(expect.arrayContaining(['assets:browse']));

    const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, payload.sub!);
    expect(userinfo).toMatchObject({ email: 'ada@acme.test', org: 'acme' });
  });

  it('answers a wrong password and an unknown email with the same page', async () => {
    const attempt = async (email: string, password: string) => {
      const browser = new Browser();
      const started = await authorizationUrl(rp);
      const page = await browser.open(started.url.href, CALLBACK) as Page;
      const passwordPage = await browser.submit(page, '/email', { email }) as Page;
      const result = await browser.submit(passwordPage, '/password', { password }) as Page;
      return { status: result.status, body: result.body.replace(/[0-9a-zA-Z_-]{20,}/g, 'X').replaceAll(email, 'EMAIL') };
    };
    const wrong = await attempt('ada@acme.test', 'not the password');
    const unknown = await attempt('nobody@acme.test', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown).toEqual(wrong);
    expect(wrong.body).toContain('The email address or password is incorrect.');
  });

  it.each([
    ['a trailing slash', `${CALLBACK}/`],
    ['other case', CALLBACK.replace('callback', 'Callback')],
    ['an added query', `${CALLBACK}?next=/admin`],
    ['a fragment', `${CALLBACK}#x`],
    ['userinfo', CALLBACK.replace('https://', 'https://evil@')],
    ['another host', 'https://evil.example/callback'],
  ])('shows an error page and never redirects for a redirect_uri with %s', async (_case, redirectUri) => {
    const started = await authorizationUrl(rp, { redirect_uri: redirectUri });
    const page = await new Browser().request(started.url.href);
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain('redirect_uri');
  });

  it('shows an error page for an unknown client', async () => {
    const started = await authorizationUrl(rp, { client_id: 'no-such-client' });
    const page = await new Browser().request(started.url.href);
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(page.body).toContain('client');
  });

  it('refuses a request without PKCE and a plain-PKCE downgrade', async () => {
    const noPkce = new URL((await authorizationUrl(rp)).url);
    noPkce.searchParams.delete('code_challenge');
    noPkce.searchParams.delete('code_challenge_method');
    const plain = new URL((await authorizationUrl(rp)).url);
    plain.searchParams.set('code_challenge_method', 'plain');
    for (const url of [noPkce, plain]) {
      const page = await new Browser().request(url.href);
      const location = new URL(page.headers.get('location')!);
      expect(location.origin + location.pathname).toBe(CALLBACK);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('code')).toBeNull();
    }
  });

  it('refuses the implicit and hybrid flows', async () => {
    for (const responseType of ['id_token', 'code id_token', 'token']) {
      const started = await authorizationUrl(rp, { response_type: responseType });
      const page = await new Browser().request(started.url.href);
      expect(page.headers.get('location') ?? '').not.toMatch(/[#&?](id_token|access_token)=/);
      if (page.headers.get('location')) {
        expect(page.headers.get('location')).toMatch(/error=(unsupported_response_type|unauthorized_client|invalid_request)/);
      } else {
        expect(page.status).toBe(400);
      }
    }
  });

  it('refuses a code redeemed twice and revokes what the first redemption issued', async () => {
    const started = await authorizationUrl(rp, { scope: 'openid offline_access', prompt: 'consent' });
    const callback = await signIn(new Browser(), started, { email: 'ada@acme.test' });
    const first = await exchange(rp, started, callback);
    expect(first.refresh_token).toBeTruthy();
    await expect(exchange(rp, started, callback)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.fetchUserInfo(rp.config, first.access_token, client.skipSubjectCheck)).rejects.toBeDefined();
    await expect(client.refreshTokenGrant(rp.config, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('redeems one code exactly once when twenty redemptions race', async () => {
    const started = await authorizationUrl(rp);
    const callback = await signIn(new Browser(), started, { email: 'ada@acme.test' });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => exchange(rp, started, callback)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ error: 'invalid_grant' });
  });

  it('rotates refresh tokens and revokes the grant when an old one is reused', async () => {
    const started = await authorizationUrl(rp, { scope: 'openid offline_access organization', prompt: 'consent' });
    const tokens = await exchange(rp, started, await signIn(new Browser(), started, { email: 'ada@acme.test' }));
    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()?.org).toBe('acme');
    await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(rp.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('answers prompt=none without a session with login_required', async () => {
    const started = await authorizationUrl(rp, { prompt: 'none' });
    const page = await new Browser().request(started.url.href);
    const location = new URL(page.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('login_required');
    expect(location.searchParams.get('state')).toBe(started.state);
  });

  it('reuses the session silently, and asks again when max_age has passed', async () => {
    const browser = new Browser();
    const first = await authorizationUrl(rp);
    await signIn(browser, first, { email: 'ada@acme.test' });

    const silent = await authorizationUrl(rp, { prompt: 'none' });
    const result = await browser.open(silent.url.href, CALLBACK);
    expect(isPage(result)).toBe(false);
    const tokens = await exchange(rp, silent, (result as { redirectedTo: string }).redirectedTo);
    expect(tokens.claims()?.auth_time).toEqual(expect.any(Number));

    await new Promise((r) => setTimeout(r, 1100));
    const aged = await authorizationUrl(rp, { max_age: '0' });
    const page = await browser.open(aged.url.href, CALLBACK);
    expect(isPage(page) && page.body.includes('/email"')).toBe(true);
  });

  it('lets a user of two organisations choose one; the tokens carry that one only', async () => {
    for (const organization of ['acme', 'globex']) {
      const started = await authorizationUrl(rp);
      const tokens = await exchange(rp, started, await signIn(new Browser(), started, { email: 'multi@example.test', organization }));
      expect(tokens.claims()?.org).toBe(organization);
    }
    const direct = await authorizationUrl(rp, { organization: 'globex' });
    const claims = (await exchange(rp, direct, await signIn(new Browser(), direct, { email: 'multi@example.test' }))).claims();
    expect(claims?.org).toBe('globex');
  });

  it('asks third-party apps for consent; a denial returns access_denied', async () => {
    const thirdParty = await relyingParty(server.issuer, 'rp-third', THIRD_PARTY_SECRET);
    const browser = new Browser();
    const started = await authorizationUrl(thirdParty);
    const tokens = await exchange(thirdParty, started, await signIn(browser, started, { email: 'ada@acme.test' }));
    expect(tokens.claims()?.org).toBe('acme');

    const denied = await authorizationUrl(thirdParty, { prompt: 'consent' });
    let page = await browser.open(denied.url.href, CALLBACK) as Page;
    expect(page.body).toContain('/consent"');
    const result = await browser.submit(page, '/abort', {}, CALLBACK);
    expect(new URL((result as { redirectedTo: string }).redirectedTo).searchParams.get('error')).toBe('access_denied');
    page = await new Browser().request(denied.url.href);
    expect(page.status).toBe(303);
  });

  it('refuses sign-in forms posted without the CSRF token', async () => {
    const browser = new Browser();
    const started = await authorizationUrl(rp);
    const page = await browser.open(started.url.href, CALLBACK) as Page;
    const action = new URL(/action="([^"]*\/email)"/.exec(page.body)![1]!, page.url).href;
    const forged = await browser.request(action, { form: { email: 'ada@acme.test', csrf: 'forged' } });
    expect(forged.status).toBe(403);
  });

  it('introspects and revokes tokens for the client that holds them', async () => {
    const started = await authorizationUrl(rp);
    const tokens = await exchange(rp, started, await signIn(new Browser(), started, { email: 'ada@acme.test' }));
    expect(await client.tokenIntrospection(rp.config, tokens.access_token)).toMatchObject({ active: true, client_id: 'rp-first' });
    await client.tokenRevocation(rp.config, tokens.access_token);
    expect(await client.tokenIntrospection(rp.config, tokens.access_token)).toMatchObject({ active: false });
  });

  it('signs with RS256 for a client registered for it', async () => {
    const rsa = await relyingParty(server.issuer, 'rp-rsa', FIRST_PARTY_SECRET);
    const started = await authorizationUrl(rsa);
    const tokens = await exchange(rsa, started, await signIn(new Browser(), started, { email: 'ada@acme.test' }));
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    const jwks = createRemoteJWKSet(new URL(rsa.config.serverMetadata().jwks_uri!));
    await jwtVerify(tokens.id_token!, jwks, { issuer: server.issuer, audience: 'rp-rsa' });
  });

  it('ends the session through RP-initiated logout', async () => {
    const browser = new Browser();
    const started = await authorizationUrl(rp);
    const tokens = await exchange(rp, started, await signIn(browser, started, { email: 'ada@acme.test' }));
    const logout = client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://rp.example.test/signed-out' });
    const confirm = await browser.open(logout.href) as Page;
    expect(confirm.body).toContain('op.logoutForm');
    const done = await browser.submit(confirm, '/session/end/confirm', { logout: 'yes' }, 'https://rp.example.test/signed-out');
    expect(isPage(done)).toBe(false);

    const silent = await authorizationUrl(rp, { prompt: 'none' });
    const page = await browser.request(silent.url.href);
    expect(new URL(page.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });

  it('gives no access through a suspended membership or to a client the organisation may not use', async () => {
    const suspended = await authorizationUrl(rp);
    await expect(signIn(new Browser(), suspended, { email: 'suspended@acme.test' })).rejects.toThrow(/unexpected page 403[\s\S]*No access/);
    const globexOnly = await relyingParty(server.issuer, 'rp-globex-only', FIRST_PARTY_SECRET);
    const ada = await authorizationUrl(globexOnly);
    await expect(signIn(new Browser(), ada, { email: 'ada@acme.test' })).rejects.toThrow(/unexpected page 403[\s\S]*No access/);
    // A member of both is signed in to the one organisation the client accepts, without being asked.
    const multi = await authorizationUrl(globexOnly);
    const claims = (await exchange(globexOnly, multi, await signIn(new Browser(), multi, { email: 'multi@example.test' }))).claims();
    expect(claims?.org).toBe('globex');
  });

  it('sets the security headers of sign-in pages', async () => {
    const started = await authorizationUrl(rp);
    const page = await new Browser().open(started.url.href, CALLBACK) as Page;
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).not.toMatch(/<script/i);
  });
});

describe.each<Backends>(['embedded', 'redis+ferretdb'])('signing key rotation on a running server (%s)', (backends) => {
  let server: TestServer;
  let rp: RelyingParty;
  beforeAll(async () => {
    server = await startBridgekeeper({ backends, bootstrap: WORLD });
    rp = await relyingParty(server.issuer, 'rp-first', FIRST_PARTY_SECRET);
  });
  afterAll(async () => { await server?.stop(); });

  async function signedKid(): Promise<string> {
    const started = await authorizationUrl(rp);
    const tokens = await exchange(rp, started, await signIn(new Browser(), started, { email: 'ada@acme.test' }));
    return decodeProtectedHeader(tokens.id_token!).kid!;
  }
  const publishedKids = async () =>
    ((await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

  it('publishes a new key before signing with it and keeps the old one published after the switch', async () => {
    // An operator's rotation, made through the store as another instance or the CLI would.
    const stores = await openStoresBeside(server.config);
    const keys = createKeyService({ keys: stores.signingKeys, encryptionSecret: server.config.secrets.keyEncryptionKey });
    try {
      const oldKid = await signedKid();
      const next = await keys.rotate('ES256');
      expect(await server.refreshSigningKeys()).toBe(true);
      const nextKid = String(next.publicJwk.kid);
      expect(await publishedKids()).toContain(nextKid);
      expect(await signedKid()).toBe(oldKid);

      await keys.promote('ES256');
      expect(await server.refreshSigningKeys()).toBe(true);
      const newKid = await signedKid();
      expect(newKid).not.toBe(oldKid);
      expect(newKid).toBe(nextKid);
      expect(await publishedKids()).toEqual(expect.arrayContaining([oldKid, newKid]));
    } finally {
      await stores.close();
    }
  });
});
