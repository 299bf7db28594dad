import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken } from '../../support/admin-client.ts';
import { startAdminWorld, type AdminWorld } from '../../support/admin-world.ts';
import { Browser, isPage } from '../../support/browser.ts';
import { authorizationUrl, relyingParty, signIn } from '../../support/oidc-flow.ts';

/*
 * /admin/v1 members over HTTP, on Redis + FerretDB: who may see and change whom. Each denial is asserted by
 * its status and stable code, and followed by a read showing that nothing changed.
 */

interface Member {
  userId: string;
  email: string;
  status: string;
  roles: { role: string }[];
  groupIds: string[];
}

let world: AdminWorld;
beforeAll(async () => { world = await startAdminWorld(); });
afterAll(async () => { await world?.stop(); });

describe('admin API authentication', () => {
  it('answers 401 without credentials, with a malformed or unknown one, and for tokens that are not admin tokens', async () => {
    const anonymous = await fetch(`${world.server.issuer}/admin/v1/members`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'unauthenticated' });
    for (const credential of ['short', 'x'.repeat(40), 'bk_aaaaaaaaaaaa_' + 'A'.repeat(43)]) {
      expect((await world.withCredential(credential).get('/members')).status).toBe(401);
    }
    // A token without the admin scope, and one issued to a third-party app, do not open the admin API.
    const noScope = await adminToken(world.server.issuer, 'owner@imgco.test', { scope: 'openid organization' });
    expect((await world.withCredential(noScope).get('/members')).status).toBe(401);
    const partner = await adminToken(world.server.issuer, 'owner@imgco.test', { clientId: 'partner', secret: 'partner-secret-0123456789abcdef0123' });
    expect((await world.withCredential(partner).get('/members')).status).toBe(401);
  });

  it('describes the caller', async () => {
    const me = await (await world.as('admin@imgco.test')).get<{ kind: string; permissions: string[] }>('/me');
    expect(me.status).toBe(200);
    expect(me.body.kind).toBe('user');
    expect(me.body.permissions).toContain('users:manage');
    expect(me.body.permissions).not.toContain('organization:manage');
  });
});

describe('members', () => {
  it('lists the organisation\'s members only, page by page with a cursor, and searches them', async () => {
    const owner = await world.as('owner@imgco.test');
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await owner.get<{ items: Member[]; next?: string }>(`/members?limit=2${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((m) => m.email));
      next = page.body.next;
      pages++;
    } while (next && pages < 10);
    expect(seen.sort()).toEqual(['admin@imgco.test', 'dev@imgco.test', 'owner@imgco.test', 'viewer@imgco.test']);
    expect(pages).toBe(2);

    const search = await owner.get<{ items: Member[] }>('/members?search=DANA');
    expect(search.body.items.map((m) => m.email)).toEqual(['dev@imgco.test']);
    expect((await owner.get('/members?limit=0')).status).toBe(400);
  });

  it('never shows or changes anything of another organisation: 404, as if it did not exist', async () => {
    const rival = await world.as('owner@rival.test');
    const devId = await world.userId('dev@imgco.test');
    expect((await rival.get(`/members/${devId}`))).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect((await rival.patch(`/members/${devId}`, { roles: [{ role: 'marketer' }] })).status).toBe(404);
    expect((await rival.post(`/members/${devId}/suspend`)).status).toBe(404);
    expect((await rival.delete(`/members/${devId}`)).status).toBe(404);
    const after = await (await world.as('owner@imgco.test')).get<Member>(`/members/${devId}`);
    expect(after.body).toMatchObject({ status: 'active', roles: [{ role: 'developer' }] });
  });

  it('needs the user-management permission to change members, and users:read to see them', async () => {
    const dev = await world.as('dev@imgco.test');
    const viewerId = await world.userId('viewer@imgco.test');
    expect(await dev.get('/members')).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect((await dev.patch(`/members/${viewerId}`, { roles: [{ role: 'developer' }] })).body).toMatchObject({ code: 'forbidden' });
    expect((await dev.post(`/members/${viewerId}/suspend`)).status).toBe(403);
    const viewer = await (await world.as('owner@imgco.test')).get<Member>(`/members/${viewerId}`);
    expect(viewer.body.status).toBe('active');
  });

  it('lets nobody change their own roles, status or membership', async () => {
    const admin = await world.as('admin@imgco.test');
    const adminId = await world.userId('admin@imgco.test');
    expect(await admin.patch(`/members/${adminId}`, { roles: [{ role: 'owner' }] })).toMatchObject({ status: 403, body: { code: 'self_modification' } });
    expect((await admin.post(`/members/${adminId}/suspend`)).body).toMatchObject({ code: 'self_modification' });
    expect((await admin.delete(`/members/${adminId}`)).body).toMatchObject({ code: 'self_modification' });
    const owner = await world.as('owner@imgco.test');
    const ownerId = await world.userId('owner@imgco.test');
    expect((await owner.patch(`/members/${ownerId}`, { roles: [{ role: 'developer' }] })).body).toMatchObject({ code: 'self_modification' });
    expect((await owner.get<Member>(`/members/${adminId}`)).body.roles).toEqual([{ role: 'account-admin' }]);
  });

  it('lets nobody grant what they do not hold, nor manage someone who holds more', async () => {
    const admin = await world.as('admin@imgco.test');
    const devId = await world.userId('dev@imgco.test');
    const ownerId = await world.userId('owner@imgco.test');
    expect(await admin.patch(`/members/${devId}`, { roles: [{ role: 'owner' }] })).toMatchObject({ status: 403, body: { code: 'privilege_escalation' } });
    expect((await admin.post(`/members/${ownerId}/suspend`)).body).toMatchObject({ code: 'privilege_escalation' });
    expect((await admin.delete(`/members/${ownerId}`)).body).toMatchObject({ code: 'privilege_escalation' });
    const owner = await world.as('owner@imgco.test');
    expect((await owner.get<Member>(`/members/${devId}`)).body.roles).toEqual([{ role: 'developer' }]);
    expect((await owner.get<Member>(`/members/${ownerId}`)).body.status).toBe('active');
  });

  it('validates role bindings against the catalog, naming the field', async () => {
    const owner = await world.as('owner@imgco.test');
    const devId = await world.userId('dev@imgco.test');
    const unknown = await owner.patch<{ code: string; details: { path: string }[] }>(`/members/${devId}`, { roles: [{ role: 'wizard' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('invalid_request');
    expect(unknown.body.details.map((d) => d.path)).toContain('roles[0].role');
    const unscoped = await owner.patch(`/members/${devId}`, { roles: [{ role: 'source-viewer' }] });
    expect(unscoped.status).toBe(400);
    expect((await owner.patch(`/members/${devId}`, { colour: 'blue' })).status).toBe(400);
  });

  it('changes roles, suspends and reactivates; a suspended member cannot sign in to the organisation', async () => {
    const owner = await world.as('owner@imgco.test');
    const viewerId = await world.userId('viewer@imgco.test');
    const scoped = [{ role: 'source-viewer', scope: { type: 'source', ids: ['src-1', 'src-2'] } }];
    expect((await owner.patch<Member>(`/members/${viewerId}`, { roles: scoped })).body.roles).toEqual(scoped);
    const claims = await world.signInClaims('viewer@imgco.test');
    expect(claims.resource_permissions).toMatchObject({ 'source:src-2': expect.arrayContaining(['sources:read']) });

    expect((await owner.post<Member>(`/members/${viewerId}/suspend`)).body.status).toBe('suspended');
    const rp = await relyingParty(world.server.issuer, 'console', 'console-secret-0123456789abcdef0123');
    const started = await authorizationUrl(rp);
    const refused = await signIn(new Browser(), started, { email: 'viewer@imgco.test' }).then(() => 'signed in', (error: Error) => error.message);
    expect(refused).toContain('403');

    expect((await owner.post<Member>(`/members/${viewerId}/reactivate`)).body.status).toBe('active');
    expect((await world.signInClaims('viewer@imgco.test')).org).toBe('imgco');
  });

  it('removes a member from the organisation, keeping the account', async () => {
    const owner = await world.as('owner@imgco.test');
    const invited = await owner.post<{ id: string }>('/invitations', { email: 'leaver@imgco.test', roles: [{ role: 'marketer' }] });
    expect(invited.status).toBe(201);
    const mail = await world.smtp.waitFor('leaver@imgco.test');
    const link = (mail.text ?? '').match(/https?:\/\/\S+/)![0]!;
    const browser = new Browser();
    const page = await browser.open(link);
    expect(isPage(page) && page.status).toBe(200);
    const accepted = await browser.submit(page as never, '/account/invitation', { name: 'Lee Leaver', password: 'a long enough passphrase' });
    expect(isPage(accepted) && accepted.status).toBe(200);

    const leaverId = await world.userId('leaver@imgco.test');
    expect((await owner.delete(`/members/${leaverId}`)).status).toBe(204);
    expect((await owner.get(`/members/${leaverId}`)).status).toBe(404);
    // The account stays: the same person can be invited again and joins with the password they had.
    await owner.post('/invitations', { email: 'leaver@imgco.test', roles: [{ role: 'marketer' }] });
    const again = await world.smtp.waitFor('leaver@imgco.test', (m) => m.messageId !== mail.messageId);
    const secondPage = await new Browser().open((again.text ?? '').match(/https?:\/\/\S+/)![0]!);
    expect(isPage(secondPage) && secondPage.body).toContain('existing account');
  });

  it('never removes, suspends or demotes the last owner', async () => {
    const owner = await world.as('owner@imgco.test');
    const ownerId = await world.userId('owner@imgco.test');
    // An API key bound to the owner role may manage owners, but not leave the organisation without one.
    const created = await owner.post<{ key: string }>('/api-keys', { name: 'break glass', roles: [{ role: 'owner' }] });
    expect(created.status).toBe(201);
    const key = world.withCredential(created.body.key);
    expect(await key.patch(`/members/${ownerId}`, { roles: [{ role: 'developer' }] })).toMatchObject({ status: 403, body: { code: 'last_owner' } });
    expect((await key.post(`/members/${ownerId}/suspend`)).body).toMatchObject({ code: 'last_owner' });
    expect((await key.delete(`/members/${ownerId}`)).body).toMatchObject({ code: 'last_owner' });
    expect((await owner.get<Member>(`/members/${ownerId}`)).body).toMatchObject({ status: 'active', roles: [{ role: 'owner' }] });
  });
});
