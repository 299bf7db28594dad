import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../../src/store/stores.ts';
import { createTestIdp } from '../../fixtures/saml/idp.ts';
import { adminApi, adminToken, CONSOLE_SECRET } from '../../support/admin-client.ts';
import { startBridgekeeper, type TestServer } from '../../support/bridgekeeper.ts';
import { Browser, isPage, type Page } from '../../support/browser.ts';
import { authorizationUrl, CALLBACK, PASSWORD, relyingParty, type RelyingParty } from '../../support/oidc-flow.ts';
import { openStoresBeside } from '../../support/stores-beside.ts';

/*
 * What a connection gives the people it signs in is granted by the admin who sets it up, and the owner role is
 * never among it: an account admin (everything but the owner's options) cannot make themselves, or anyone, an
 * owner through an IdP of their own, by default roles, rule roles or a group holding the owner role, nor sign in
 * as the owner through it. A connection stored with such rules before neither gives nor takes the owner role.
 */

interface Connection { id: string; sp: { spEntityId: string; acsUrl: string } }

const idp = createTestIdp({ entityId: 'https://idp.acme.test/saml' });
let server: TestServer;
let stores: Stores;
let rp: RelyingParty;
let owner: ReturnType<typeof adminApi>;
let accountAdmin: ReturnType<typeof adminApi>;
let orgId: string;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bk-connection-grants-'));
  const bootstrap = join(dir, 'world.yaml');
  await writeFile(bootstrap, stringify({
    organizations: [{ slug: 'acme', name: 'Acme', loginPolicy: { methods: ['password', 'saml'] }, domains: [{ domain: 'acme.test', verified: true }], limits: { maxUsers: 20 } }],
    users: [
      { email: 'owner@acme.test', name: 'Olive Owner', password: PASSWORD, emailVerified: true },
      { email: 'it@acme.test', name: 'Ian IT', password: PASSWORD, emailVerified: true },
    ],
    memberships: [{ user: 'owner@acme.test', org: 'acme', roles: ['owner'] }, { user: 'it@acme.test', org: 'acme', roles: ['account-admin'] }],
    groups: [{ org: 'acme', name: 'Owners', roles: ['owner'] }, { org: 'acme', name: 'Editors', roles: ['marketer'] }],
    clients: [{ clientId: 'console', name: 'Admin console', redirectUris: [CALLBACK], clientSecret: CONSOLE_SECRET, firstParty: true, idTokenSignedResponseAlg: 'ES256' }],
  }));
  server = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap });
  stores = await openStoresBeside(server.config);
  rp = await relyingParty(server.issuer, 'console', CONSOLE_SECRET);
  owner = adminApi(server.issuer, await adminToken(server.issuer, 'owner@acme.test'));
  accountAdmin = adminApi(server.issuer, await adminToken(server.issuer, 'it@acme.test'));
  orgId = (await stores.organizations.findBySlug('acme'))!.id;
});
afterAll(async () => {
  await stores?.close();
  await server?.stop();
});

const connectionBody = (extra: Record<string, unknown>) => ({ kind: 'saml', name: 'My IdP', metadataXml: idp.metadataXml(), ...extra });
const pwn = (grant: Record<string, unknown>) => ({ rules: [{ attribute: 'groups', equals: 'pwn', ...grant }] });

/** Signs `email` in through the connection's IdP, which says the person is in `groups`; returns the membership after. */
async function ssoSignIn(connection: Connection, email: string, groups: string[]) {
  const done = await ssoAttempt(connection, email, groups);
  if (isPage(done)) throw new Error(`sign-in did not finish: ${done.status} ${done.body.slice(0, 300)}`);
  const user = (await stores.users.findByEmail(email))!;
  return (await stores.memberships.findFor(orgId, user.id))!;
}

/** The same, up to what the browser gets back: the app's callback, or a page. */
async function ssoAttempt(connection: Connection, email: string, groups: string[] = []) {
  const browser = new Browser();
  const opened = await browser.open((await authorizationUrl(rp)).url.href, CALLBACK) as Page;
  const passwordPage = await browser.submit(opened, '/email', { email }) as Page;
  const atIdp = await browser.submit(passwordPage, '/sso', {}, idp.ssoUrl);
  if (isPage(atIdp)) throw new Error(`not sent to the IdP: ${atIdp.status}`);
  const sp = { entityId: connection.sp.spEntityId, acsUrl: connection.sp.acsUrl };
  const request = await idp.receive(atIdp.redirectedTo, sp);
  const samlResponse = await idp.respond({ sp, inResponseTo: request.id, nameId: email, attributes: { email, groups } });
  return browser.follow(await browser.request(connection.sp.acsUrl, { form: { SAMLResponse: samlResponse, RelayState: request.relayState! } }), CALLBACK);
}

describe('what a connection may grant', () => {
  it('refuses, to the account admin and to the owner alike, a connection that would make anyone an owner', async () => {
    const owners = (await stores.groups.findByName(orgId, 'Owners'))!;
    for (const admin of [accountAdmin, owner]) {
      for (const [body, path] of [
        [connectionBody({ jit: { enabled: true, defaultRoles: ['owner'] } }), 'jit.defaultRoles[0]'],
        [connectionBody({ mapping: pwn({ roles: [{ role: 'owner' }] }) }), 'mapping.rules[0].roles[0]'],
        [connectionBody({ mapping: pwn({ groups: ['Editors', owners.name] }) }), 'mapping.rules[0].groups[1]'],
      ] as const) {
        const refused = await admin.post<{ error: string; details: { path: string }[] }>('/connections', body);
        expect(refused.status).toBe(400);
        // Paths of the body's fields (`body.` before those its schema checks).
        expect(refused.body.details.map((d) => d.path.replace(/^body\./, ''))).toContain(path);
      }
    }
    expect((await stores.connections.list({ where: { orgId }, limit: 10 })).items).toHaveLength(0);
  });

  it('refuses the same on a change, and leaves the connection as it was', async () => {
    const created = await accountAdmin.post<Connection>('/connections', connectionBody({ mapping: pwn({ groups: ['Editors'] }) }));
    expect(created.status).toBe(201);
    for (const change of [{ mapping: pwn({ groups: ['Owners'] }) }, { jit: { enabled: true, defaultRoles: ['owner'] } }]) {
      expect((await accountAdmin.patch(`/connections/${created.body.id}`, change)).status).toBe(400);
    }
    const stored = (await stores.connections.find(created.body.id))!;
    expect(stored.mapping).toMatchObject(pwn({ groups: ['Editors'] }));
    expect(stored.jit).toEqual({ enabled: false, defaultRoles: [] });
    await accountAdmin.delete(`/connections/${created.body.id}`);
  });

  it('neither gives nor takes the owner role at sign-in through a connection stored with such rules', async () => {
    const created = await owner.post<Connection>('/connections', connectionBody({}));
    expect((await owner.patch(`/connections/${created.body.id}`, { enabled: true })).status).toBe(200);
    // As a connection written before connections were checked could be.
    await stores.connections.update(created.body.id, {
      mapping: pwn({ match: 'exact', groups: ['Owners', 'Editors'], roles: [{ role: 'owner' }, { role: 'analyst' }] }),
      jit: { enabled: true, defaultRoles: ['owner', 'developer'] },
    });
    const owners = (await stores.groups.findByName(orgId, 'Owners'))!;
    const editors = (await stores.groups.findByName(orgId, 'Editors'))!;

    // The real owner, whom the IdP does not put in "pwn", stays the owner.
    expect((await ssoSignIn(created.body, 'owner@acme.test', [])).roles).toEqual([{ role: 'owner' }]);
    // The account admin, and someone new, in "pwn": the rule's other grants, never the owner's.
    for (const email of ['it@acme.test', 'mallory@acme.test']) {
      const membership = await ssoSignIn(created.body, email, ['pwn']);
      expect(membership.roles.map((b) => b.role)).not.toContain('owner');
      expect(membership.roles.map((b) => b.role)).toContain('analyst');
      expect(membership.groupIds).toContain(editors.id);
      expect(membership.groupIds).not.toContain(owners.id);
    }
    expect((await accountAdmin.get('/api-keys')).status).toBe(403);
    await owner.delete(`/connections/${created.body.id}`);
  });

  it('signs in through an IdP an admin chose no member who holds more than that admin: not the owner', async () => {
    // The account admin points a connection at an IdP of their own (which will say whatever they like).
    const created = await accountAdmin.post<Connection>('/connections', connectionBody({}));
    expect((await accountAdmin.patch(`/connections/${created.body.id}`, { enabled: true })).status).toBe(200);
    const before = (await stores.memberships.findFor(orgId, (await stores.users.findByEmail('owner@acme.test'))!.id))!;
    const refused = await ssoAttempt(created.body, 'owner@acme.test');
    expect(isPage(refused) && refused.status).toBe(403);
    expect(await stores.federatedIdentities.findBySubject(created.body.id, 'owner@acme.test')).toBeUndefined();
    expect(await stores.memberships.find(before.id)).toMatchObject({ roles: before.roles, version: before.version });
    // Members who hold no more than the account admin, the admin included, do sign in through it.
    expect((await ssoSignIn(created.body, 'it@acme.test', [])).roles).toContainEqual({ role: 'account-admin' });

    expect((await accountAdmin.delete(`/connections/${created.body.id}`)).status).toBe(204);

    // A connection the owner set up serves the owner, until the account admin says which IdP it is.
    const owners = await owner.post<Connection>('/connections', { ...connectionBody({}), name: 'Owner\'s IdP' });
    expect((await owner.patch(`/connections/${owners.body.id}`, { enabled: true })).status).toBe(200);
    expect((await ssoSignIn(owners.body, 'owner@acme.test', [])).roles).toEqual([{ role: 'owner' }]);
    const ssoUrl = String((await stores.connections.find(owners.body.id))!.settings.ssoUrl);
    expect((await accountAdmin.patch(`/connections/${owners.body.id}`, { settings: { ssoUrl } })).status).toBe(200);
    const after = await ssoAttempt(owners.body, 'owner@acme.test');
    expect(isPage(after) && after.status).toBe(403);
    await owner.delete(`/connections/${owners.body.id}`);
  });

  it('lets no earlier admin\'s say about the IdP outlive an owner\'s: their metadata URL, their choice of the email attribute', async () => {
    // The account admin's connection follows a metadata URL of their choosing.
    const created = await accountAdmin.post<Connection>('/connections', connectionBody({ settings: { metadataUrl: 'https://metadata.it-admin.example/idp.xml' } }));
    expect(created.status).toBe(201);
    // The owner sets the IdP by hand: the URL is no longer followed, and the owner's say is the one kept.
    const [cert] = (await stores.connections.find(created.body.id))!.settings.idpCertificates as string[];
    expect((await owner.patch(`/connections/${created.body.id}`, { settings: { idpCertificates: [cert] } })).status).toBe(200);
    const taken = (await stores.connections.find(created.body.id))!;
    expect(taken.settings.metadataUrl).toBeUndefined();
    expect(taken.settingsBy).toEqual({ bindings: [{ role: 'owner' }] });
    expect((await accountAdmin.post(`/connections/${created.body.id}/refresh-metadata`)).status).toBe(409);

    // Which attribute is the email is a say about whom the IdP vouches for, as the IdP's settings are.
    expect((await accountAdmin.patch(`/connections/${created.body.id}`, { mapping: { attributes: { email: 'mail' } } })).status).toBe(200);
    const bindings = (await stores.connections.find(created.body.id))!.settingsBy!.bindings;
    expect(bindings).toContainEqual({ role: 'account-admin' });
    expect(bindings).not.toContainEqual({ role: 'owner' });
    await owner.delete(`/connections/${created.body.id}`);
  });
});
