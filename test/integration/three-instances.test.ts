import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyService } from '../../src/oidc/keys.ts';
import { openStoresBeside } from '../support/stores-beside.ts';
import { createTestIdp } from '../fixtures/saml/idp.ts';
import { CONSOLE_SECRET } from '../support/admin-client.ts';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google.ts';
import { authorizationUrl, CALLBACK, exchange, PASSWORD, relyingParty, signIn, type RelyingParty } from '../support/oidc-flow.ts';
import { freePort } from '../support/services.ts';

/*
 * Three stateless instances sharing Redis and the database behind one (simulated) load balancer that sends
 * every request to the next instance in turn: password, SAML and Google sign-ins, logout and a signing-key
 * rotation all complete across them.
 */

const idp = createTestIdp({ entityId: 'https://idp.tri.test/saml' });
let instances: TestServer[];
let google: FakeGoogle;
let publicUrl: string;
let rp: RelyingParty;
let turn = 0;
const seen = new Set<string>();

/** The balancer: public URL -> the next instance, with the forwarded headers a proxy adds. */
function balanced(): Browser {
  const browser = new Browser();
  browser.route = route;
  return browser;
}
function route(url: string) {
  if (!url.startsWith(publicUrl)) return { url };
  const target = instances[turn++ % instances.length]!.direct;
  seen.add(target);
  return { url: target + url.slice(publicUrl.length), headers: { 'x-forwarded-host': new URL(publicUrl).host, 'x-forwarded-proto': 'http' } };
}

beforeAll(async () => {
  publicUrl = `http://127.0.0.1:${await freePort()}`;
  google = await startFakeGoogle({ clientId: 'tri-google', clientSecret: 'tri-google-secret-0123456789', redirectUri: `${publicUrl}/google/callback` });
  const dir = await mkdtemp(join(tmpdir(), 'bk-tri-'));
  const bootstrap = join(dir, 'world.yaml');
  await writeFile(bootstrap, stringify({
    organizations: [
      { slug: 'tri', name: 'Tri Co', loginPolicy: { methods: ['password', 'google'] }, domains: [{ domain: 'tri.test', verified: true }] },
      { slug: 'trisaml', name: 'Tri SAML', loginPolicy: { methods: ['saml'] }, domains: [{ domain: 'trisaml.test', verified: true }] },
    ],
    users: [{ email: 'pat@tri.test', name: 'Pat', password: PASSWORD, emailVerified: true }],
    memberships: [{ user: 'pat@tri.test', org: 'tri', roles: ['developer'] }],
    connections: [{
      org: 'trisaml', kind: 'saml', name: 'Tri IdP', enabled: true, jit: { enabled: true, defaultRoles: ['analyst'] },
      settings: { idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl, idpCertificates: [idp.keys.certificatePem] },
    }],
    clients: [{ clientId: 'console', name: 'Console', redirectUris: [CALLBACK], postLogoutRedirectUris: ['https://rp.example.test/signed-out'], clientSecret: CONSOLE_SECRET, firstParty: true, idTokenSignedResponseAlg: 'ES256' }],
  }));
  const suffix = Math.random().toString(36).slice(2, 10);
  const shared = { database: `bk_tri_${suffix}`, keyPrefix: `bk-tri-${suffix}:`, publicUrl };
  const env = {
    BRIDGEKEEPER_SERVER__TRUST_PROXY: 'true',
    BRIDGEKEEPER_GOOGLE__CLIENT_ID: 'tri-google', BRIDGEKEEPER_GOOGLE__CLIENT_SECRET: 'tri-google-secret-0123456789', BRIDGEKEEPER_GOOGLE__ISSUER: google.issuer,
  };
  instances = [];
  for (let i = 0; i < 3; i++) instances.push(await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap, shared, env }));
  rp = await relyingParty(publicUrl, 'console', CONSOLE_SECRET, route);
});
afterAll(async () => {
  for (const instance of instances ?? []) await instance.stop();
  await google?.stop();
});

describe('three instances behind one balancer, alternating on every request', () => {
  it('complete a password sign-in and an RP-initiated logout', async () => {
    seen.clear();
    const browser = balanced();
    const started = await authorizationUrl(rp);
    const tokens = await exchange(rp, started, await signIn(browser, started, { email: 'pat@tri.test' }));
    expect(tokens.claims()?.org).toBe('tri');
    expect(seen.size).toBe(3);

    const logout = client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://rp.example.test/signed-out' });
    const confirm = await browser.open(logout.href) as Page;
    expect(isPage(await browser.submit(confirm, '/session/end/confirm', { logout: 'yes' }, 'https://rp.example.test/signed-out'))).toBe(false);
    const silent = await authorizationUrl(rp, { prompt: 'none' });
    const answer = await browser.request(silent.url.href);
    expect(new URL(answer.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });

  it('complete a SAML sign-in: AuthnRequest from one, ACS on another, code on a third', async () => {
    const browser = balanced();
    const started = await authorizationUrl(rp, { organization: 'trisaml' });
    const atIdp = await browser.open(started.url.href, idp.ssoUrl);
    if (isPage(atIdp)) throw new Error(`not sent to the IdP: ${atIdp.status}`);
    const probe = await idp.receive(atIdp.redirectedTo, { entityId: 'x', acsUrl: 'x' });
    const sp = { entityId: probe.acsUrl!.replace(/\/acs$/, ''), acsUrl: probe.acsUrl! };
    expect(sp.acsUrl.startsWith(publicUrl)).toBe(true);
    const samlResponse = await idp.respond({ sp, inResponseTo: probe.id, nameId: 'sally@trisaml.test', attributes: { email: 'sally@trisaml.test' } });
    const result = await browser.follow(await browser.request(sp.acsUrl, { form: { SAMLResponse: samlResponse, RelayState: probe.relayState! } }), CALLBACK);
    if (isPage(result)) throw new Error(`SAML sign-in failed: ${result.status} ${result.body.slice(0, 300)}`);
    expect((await exchange(rp, started, result.redirectedTo)).claims()).toMatchObject({ org: 'trisaml', roles: ['analyst'], amr: ['fed'] });
  });

  it('complete a Google sign-in: start on one, callback on another', async () => {
    google.nextLogin({ sub: 'g-pat', email: 'pat@tri.test', email_verified: true });
    const browser = balanced();
    const started = await authorizationUrl(rp, { organization: 'tri' });
    const emailPage = await browser.open(started.url.href, CALLBACK) as Page;
    const result = await browser.submit(emailPage, '/google', {}, CALLBACK);
    if (isPage(result)) throw new Error(`Google sign-in failed: ${result.status} ${result.body.slice(0, 300)}`);
    expect((await exchange(rp, started, result.redirectedTo)).claims()).toMatchObject({ org: 'tri', email: 'pat@tri.test' });
  });

  it('rotate the signing key: every instance publishes the new key before any signs with it', async () => {
    const stores = await openStoresBeside(instances[0]!.config);
    const keys = createKeyService({ keys: stores.signingKeys, encryptionSecret: instances[0]!.config.secrets.keyEncryptionKey });
    try {
      const next = await keys.rotate('ES256');
      for (const instance of instances) await instance.refreshSigningKeys();
      const published = await Promise.all(instances.map(async (i) => (await fetch(`${i.direct}/jwks`)).json() as Promise<{ keys: { kid: string }[] }>));
      for (const jwks of published) expect(jwks.keys.map((k) => k.kid)).toContain(String(next.publicJwk.kid));
      expect(published[1]).toEqual(published[0]);
      expect(published[2]).toEqual(published[0]);

      await keys.promote('ES256');
      for (const instance of instances) await instance.refreshSigningKeys();
      const started = await authorizationUrl(rp);
      const tokens = await exchange(rp, started, await signIn(balanced(), started, { email: 'pat@tri.test' }));
      expect(decodeProtectedHeader(tokens.id_token!).kid).toBe(String(next.publicJwk.kid));
      for (const instance of instances) {
        await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${instance.direct}/jwks`)), { issuer: publicUrl, audience: 'console' });
      }
    } finally {
      await stores.close();
    }
  });
});
