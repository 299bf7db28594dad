import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoresBeside } from '../support/stores-beside.ts';
import type { Stores } from '../../src/store/stores.ts';
import { createTestIdp } from '../fixtures/saml/idp.ts';
import { adminApi, adminToken, CONSOLE_SECRET } from '../support/admin-client.ts';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK, PASSWORD, relyingParty, type RelyingParty } from '../support/oidc-flow.ts';

/*
 * The plan's user cap holds when new people arrive through the IdP at the same moment: each sign-in checks for a
 * seat, and those that raced past the check for the last one withdraw after, but the first. A withdrawn sign-in
 * leaves nothing behind (no account, no link to the IdP).
 */

interface Connection { id: string; sp: { spEntityId: string; acsUrl: string } }

let server: TestServer;
let stores: Stores;
let rp: RelyingParty;
let api: ReturnType<typeof adminApi>;
const idp = createTestIdp({ entityId: 'https://idp.race.test/saml' });

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bk-jit-seats-'));
  const bootstrap = join(dir, 'world.yaml');
  await writeFile(bootstrap, stringify({
    organizations: [{ slug: 'acme', name: 'Acme', loginPolicy: { methods: ['password', 'saml'] }, domains: [{ domain: 'acme.test', verified: true }], limits: { maxUsers: 2 } }],
    users: [{ email: 'owner@acme.test', name: 'Olga Owner', password: PASSWORD, emailVerified: true }],
    memberships: [{ user: 'owner@acme.test', org: 'acme', roles: ['owner'] }],
    clients: [{ clientId: 'console', name: 'Admin console', redirectUris: [CALLBACK], clientSecret: CONSOLE_SECRET, firstParty: true, idTokenSignedResponseAlg: 'ES256' }],
  }));
  server = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap });
  stores = await openStoresBeside(server.config);
  rp = await relyingParty(server.issuer, 'console', CONSOLE_SECRET);
  api = adminApi(server.issuer, await adminToken(server.issuer, 'owner@acme.test'));
});
afterAll(async () => {
  await stores?.close();
  await server?.stop();
});

/** Everything up to the SAMLResponse; returns a function that posts it, which answers whether the app was reached. */
async function prepare(connection: Connection, email: string) {
  const browser = new Browser();
  const started = await authorizationUrl(rp);
  const opened = await browser.open(started.url.href, CALLBACK) as Page;
  const passwordPage = await browser.submit(opened, '/email', { email }) as Page;
  const atIdp = await browser.submit(passwordPage, '/sso', {}, idp.ssoUrl);
  if (isPage(atIdp)) throw new Error(`not sent to the IdP: ${atIdp.status}`);
  const sp = { entityId: connection.sp.spEntityId, acsUrl: connection.sp.acsUrl };
  const request = await idp.receive(atIdp.redirectedTo, sp);
  const samlResponse = await idp.respond({ sp, inResponseTo: request.id, nameId: email, attributes: { email } });
  return async () => {
    const posted = await browser.follow(await browser.request(connection.sp.acsUrl, { form: { SAMLResponse: samlResponse, RelayState: request.relayState! } }), CALLBACK);
    if (isPage(posted)) expect(posted.status).toBe(403);
    return { email, in: !isPage(posted) };
  };
}

describe('the user cap under just-in-time provisioning', () => {
  it('lets one of eight new people arriving at once take the last seat; the others leave nothing behind', async () => {
    const created = await api.post<Connection>('/connections', { kind: 'saml', name: 'IdP', metadataXml: idp.metadataXml(), jit: { enabled: true, defaultRoles: [] } });
    expect(created.status).toBe(201);
    expect((await api.patch(`/connections/${created.body.id}`, { enabled: true })).status).toBe(200);
    const posts = await Promise.all(Array.from({ length: 8 }, (_, i) => prepare(created.body, `new${i}@acme.test`)));
    const results = await Promise.all(posts.map((post) => post()));
    const org = (await stores.organizations.findBySlug('acme'))!;
    expect(results.filter((r) => r.in)).toHaveLength(1);
    expect(await stores.memberships.count({ orgId: org.id })).toBe(org.limits.maxUsers);
    for (const refused of results.filter((r) => !r.in)) {
      expect(await stores.users.findByEmail(refused.email)).toBeUndefined();
      expect(await stores.federatedIdentities.findBySubject(created.body.id, refused.email)).toBeUndefined();
    }
    const winner = results.find((r) => r.in)!;
    expect(await stores.federatedIdentities.findBySubject(created.body.id, winner.email)).toBeDefined();
  });
});
