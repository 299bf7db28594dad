import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoresBeside } from '../support/stores-beside.ts';
import type { Stores } from '../../src/store/stores.ts';
import { createTestIdp, type TestIdp } from '../fixtures/saml/idp.ts';
import { createTestKeyPair } from '../fixtures/saml/x509.ts';
import { adminApi, adminToken, CONSOLE_SECRET } from '../support/admin-client.ts';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK, exchange, PASSWORD, relyingParty, type RelyingParty } from '../support/oidc-flow.ts';

/*
 * An IT admin registers the organisation's SAML IdP through the admin API, tries it with a test sign-in,
 * enables it; members then sign in through it. The IdP later rolls its signing key over, publishing the new
 * certificate in its metadata: sign-ins keep working with no admin action. Redis + FerretDB.
 */

interface Connection { id: string; enabled: boolean; sp: { spEntityId: string; acsUrl: string; metadataUrl: string }; certificates: { fingerprintSha256: string; notAfter: string }[] }

let server: TestServer;
let stores: Stores;
let rp: RelyingParty;
let api: ReturnType<typeof adminApi>;
let metadataServer: Server;
let metadataUrl: string;
let publishedMetadata = '';
const idp = createTestIdp({ entityId: 'https://idp.acme.test/saml' });

beforeAll(async () => {
  metadataServer = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/xml' }).end(publishedMetadata); });
  metadataServer.listen(0, '127.0.0.1');
  await once(metadataServer, 'listening');
  metadataUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}/metadata`;
  const dir = await mkdtemp(join(tmpdir(), 'bk-saml-admin-'));
  const bootstrap = join(dir, 'world.yaml');
  await writeFile(bootstrap, stringify({
    organizations: [{ slug: 'acme', name: 'Acme', loginPolicy: { methods: ['password', 'saml'] }, domains: [{ domain: 'acme.test', verified: true }], limits: { maxUsers: 20 } }],
    users: [{ email: 'it@acme.test', name: 'Ida Admin', password: PASSWORD, emailVerified: true }],
    memberships: [{ user: 'it@acme.test', org: 'acme', roles: ['owner'] }],
    groups: [{ org: 'acme', name: 'Editors', roles: ['marketer'] }],
    clients: [{ clientId: 'console', name: 'Admin console', redirectUris: [CALLBACK], clientSecret: CONSOLE_SECRET, firstParty: true, idTokenSignedResponseAlg: 'ES256' }],
  }));
  server = await startBridgekeeper({
    backends: 'redis+ferretdb', bootstrap,
    env: { BRIDGEKEEPER_SAML__UNSAFE_METADATA_URLS: 'true', BRIDGEKEEPER_SAML__METADATA_REFRESH_SECONDS: '1' },
  });
  stores = await openStoresBeside(server.config);
  rp = await relyingParty(server.issuer, 'console', CONSOLE_SECRET);
  api = adminApi(server.issuer, await adminToken(server.issuer, 'it@acme.test'));
});
afterAll(async () => {
  await stores?.close();
  await server?.stop();
  metadataServer?.close();
});

/** A member's sign-in through the SSO button of the password page, answered by `by`. */
async function ssoSignIn(by: TestIdp, connection: Connection, email: string) {
  const browser = new Browser();
  const started = await authorizationUrl(rp);
  const opened = await browser.open(started.url.href, CALLBACK) as Page;
  const passwordPage = await browser.submit(opened, '/email', { email }) as Page;
  expect(passwordPage.body).toContain('Sign in with Acme single sign-on');
  const atIdp = await browser.submit(passwordPage, '/sso', {}, by.ssoUrl);
  if (isPage(atIdp)) throw new Error(`not sent to the IdP: ${atIdp.status}`);
  const sp = { entityId: connection.sp.spEntityId, acsUrl: connection.sp.acsUrl };
  const request = await by.receive(atIdp.redirectedTo, sp);
  const samlResponse = await by.respond({ sp, inResponseTo: request.id, nameId: email, attributes: { email, groups: ['editors-at-idp'] } });
  const posted = await browser.follow(await browser.request(connection.sp.acsUrl, { form: { SAMLResponse: samlResponse, RelayState: request.relayState! } }), CALLBACK);
  return { posted, started };
}

describe('SAML connections managed through the admin API', () => {
  let connection: Connection;

  it('registers an IdP from its metadata XML, disabled, with the SP endpoints and certificate expiry to show', async () => {
    const created = await api.post<Connection>('/connections', {
      kind: 'saml', name: 'Acme IdP', metadataXml: idp.metadataXml(),
      mapping: { rules: [{ attribute: 'groups', equals: 'editors-at-idp', groups: ['Editors'] }] },
      jit: { enabled: true, defaultRoles: ['analyst'] },
    });
    expect(created.status).toBe(201);
    connection = created.body;
    expect(connection.enabled).toBe(false);
    expect(connection.sp.acsUrl).toBe(`${server.issuer}/saml/${connection.id}/acs`);
    expect(connection.certificates[0]!.notAfter).toEqual(expect.any(String));
    const metadata = await fetch(connection.sp.metadataUrl);
    expect(metadata.headers.get('content-type')).toContain('samlmetadata+xml');
    expect(await metadata.text()).toContain(connection.sp.acsUrl);
  });

  it('refuses metadata that does not hold, and settings that do not, naming the fields', async () => {
    expect((await api.post('/connections', { kind: 'saml', name: 'Broken', metadataXml: '<not-metadata/>' })).status).toBe(400);
    const fields = await api.post<{ details: { path: string }[] }>('/connections', { kind: 'saml', name: 'Fields', settings: { idpEntityId: 'x', ssoUrl: 'ftp://idp', idpCertificates: [] } });
    expect(fields.status).toBe(400);
    expect(fields.body.details.map((d) => d.path)).toEqual(expect.arrayContaining(['settings.ssoUrl', 'settings.idpCertificates']));
    expect((await api.post('/connections', { kind: 'saml', name: 'Nowhere', metadataUrl: 'https://127.0.0.1:1/metadata' })).status).toBe(400);
  });

  it('runs a test sign-in while disabled: shows the identity and mapped claims, signs no one in, changes nothing', async () => {
    const { body } = await api.post<{ url: string }>(`/connections/${connection.id}/test-sign-in`);
    const browser = new Browser();
    const atIdp = await browser.open(body.url, idp.ssoUrl);
    if (isPage(atIdp)) throw new Error(`not sent to the IdP: ${atIdp.status} ${atIdp.body}`);
    const sp = { entityId: connection.sp.spEntityId, acsUrl: connection.sp.acsUrl };
    const request = await idp.receive(atIdp.redirectedTo, sp);
    const samlResponse = await idp.respond({ sp, inResponseTo: request.id, nameId: 'tester@acme.test', attributes: { email: 'tester@acme.test', groups: ['editors-at-idp', 'unmapped'] } });
    const page = await browser.request(connection.sp.acsUrl, { form: { SAMLResponse: samlResponse, RelayState: request.relayState! } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('tester@acme.test');
    expect(page.body).toMatch(/Groups<\/th><td>Editors/);
    expect(await stores.users.findByEmail('tester@acme.test')).toBeUndefined();
    // A disabled connection signs nobody in through the journey.
    expect((await api.get<Connection>(`/connections/${connection.id}`)).body.enabled).toBe(false);
    expect((await ssoSignInOffered()).includes('single sign-on')).toBe(false);
  });

  it('once enabled, signs members in through the IdP with the mapped groups', async () => {
    expect((await api.patch<Connection>(`/connections/${connection.id}`, { enabled: true })).body.enabled).toBe(true);
    const { posted, started } = await ssoSignIn(idp, connection, 'new.member@acme.test');
    if (isPage(posted)) throw new Error(`sign-in failed: ${posted.status} ${posted.body.slice(0, 400)}`);
    const claims = (await exchange(rp, started, posted.redirectedTo)).claims()!;
    expect(claims).toMatchObject({ email: 'new.member@acme.test', org: 'acme', groups: ['Editors'] });
    expect(claims.roles).toEqual(expect.arrayContaining(['analyst', 'marketer']));
  });

  it('follows an IdP key rollover published in its metadata, with no admin action', async () => {
    publishedMetadata = idp.metadataXml();
    const byUrl = await api.post<Connection>('/connections', { kind: 'saml', name: 'Acme IdP (metadata URL)', metadataUrl, jit: { enabled: true, defaultRoles: [] } });
    expect(byUrl.status).toBe(201);
    await api.patch(`/connections/${connection.id}`, { enabled: false });
    const live = (await api.patch<Connection>(`/connections/${byUrl.body.id}`, { enabled: true })).body;

    const rolled = createTestIdp({ entityId: idp.entityId, keys: createTestKeyPair({ commonName: 'idp.acme.test 2027' }) });
    publishedMetadata = rolled.metadataXml();
    const deadline = Date.now() + 10_000;
    let current = live;
    while (current.certificates[0]!.fingerprintSha256 === live.certificates[0]!.fingerprintSha256 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      current = (await api.get<Connection>(`/connections/${live.id}`)).body;
    }
    expect(current.certificates[0]!.fingerprintSha256).not.toBe(live.certificates[0]!.fingerprintSha256);

    const withNewKey = await ssoSignIn(rolled, current, 'rolled@acme.test');
    expect(isPage(withNewKey.posted)).toBe(false);
    const withOldKey = await ssoSignIn(idp, current, 'stale@acme.test');
    expect(isPage(withOldKey.posted) && withOldKey.posted.status).toBe(400);
  });

  it('is managed by holders of the security permission only', async () => {
    const key = await api.post<{ key: string }>('/api-keys', { name: 'dev key', roles: [{ role: 'developer' }] });
    expect((await adminApi(server.issuer, key.body.key).get('/connections')).status).toBe(403);
    expect((await adminApi(server.issuer, key.body.key).get(`/connections/${connection.id}`)).status).toBe(403);
  });
});

async function ssoSignInOffered(): Promise<string> {
  const browser = new Browser();
  const opened = await browser.open((await authorizationUrl(rp)).url.href, CALLBACK) as Page;
  return (await browser.submit(opened, '/email', { email: 'someone@acme.test' }) as Page).body;
}
