import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld, type AdminWorld } from '../../support/admin-world.ts';

/* Groups over HTTP, on Redis + FerretDB: the seeds' rules (five at most, names), and roles flowing to members. */

interface Group { id: string; name: string; memberCount: number; roles: { role: string }[] }

let world: AdminWorld;
beforeAll(async () => { world = await startAdminWorld(); });
afterAll(async () => { await world?.stop(); });

describe('groups', () => {
  it('enforces the name rules: letters, digits and spaces, unique whatever the case', async () => {
    const owner = await world.as('owner@imgco.test');
    for (const name of ['Design-Team', 'R&D', '', '   ', 'x'.repeat(65), 'emoji 🎨']) {
      const refused = await owner.post<{ code: string; details: { path: string }[] }>('/groups', { name });
      expect(refused.status, name).toBe(400);
      expect(refused.body.details.map((d) => d.path)).toContain('body.name');
    }
    const created = await owner.post<Group>('/groups', { name: '  Design   Team 2 ' });
    expect(created).toMatchObject({ status: 201, body: { name: 'Design Team 2', memberCount: 0 } });
    expect(await owner.post('/groups', { name: 'design team 2' })).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect((await owner.post<Group>('/groups', { name: 'Équipe Café' })).status).toBe(201);
    const other = await owner.post<Group>('/groups', { name: 'Other' });
    expect(await owner.patch(`/groups/${other.body.id}`, { name: 'DESIGN TEAM 2' })).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect((await owner.get<Group>(`/groups/${other.body.id}`)).body.name).toBe('Other');
  });

  it('allows at most the organisation\'s limit of groups (five by default), with a clear error', async () => {
    const owner = await world.as('owner@imgco.test');
    const existing = (await owner.get<{ items: Group[] }>('/groups')).body.items.length;
    for (let n = existing; n < 5; n++) expect((await owner.post('/groups', { name: `Team ${n}` })).status).toBe(201);
    const sixth = await owner.post<{ code: string; message: string }>('/groups', { name: 'One Too Many' });
    expect(sixth.status).toBe(409);
    expect(sixth.body.code).toBe('group_limit_reached');
    expect(sixth.body.message).toContain('5');
    expect((await owner.get<{ items: Group[] }>('/groups')).body.items).toHaveLength(5);
    expect((await owner.get<{ usage: { groups: number } }>('/organization')).body.usage.groups).toBe(5);
    // Deleting one makes room again.
    const victim = (await owner.get<{ items: Group[] }>('/groups')).body.items.find((g) => g.name === 'Other')!;
    expect((await owner.delete(`/groups/${victim.id}`)).status).toBe(204);
    expect((await owner.post('/groups', { name: 'Editors' })).status).toBe(201);
  });

  it('carries roles into its members\' ID tokens, and takes them away when a member leaves the group', async () => {
    const owner = await world.as('owner@imgco.test');
    const editors = (await owner.get<{ items: Group[] }>('/groups')).body.items.find((g) => g.name === 'Editors')!;
    await owner.patch(`/groups/${editors.id}`, { roles: [{ role: 'media-library-restricted', scope: { type: 'folder', ids: ['f-1'] } }, { role: 'accountant' }] });
    const viewerId = await world.userId('viewer@imgco.test');
    expect((await owner.post<Group>(`/groups/${editors.id}/members`, { userIds: [viewerId] })).body.memberCount).toBe(1);

    const claims = await world.signInClaims('viewer@imgco.test');
    expect(claims.groups).toEqual(['Editors']);
    expect(claims.roles).toEqual(expect.arrayContaining(['accountant', 'source-viewer', 'media-library-restricted']));
    // accountant = billing:manage, which implies billing:read, invoices:pay and so invoices:read.
    expect(claims.permissions).toEqual(expect.arrayContaining(['billing:manage', 'billing:read', 'invoices:pay', 'invoices:read', 'analytics:read']));
    expect(claims.resource_permissions).toMatchObject({ 'folder:f-1': expect.arrayContaining(['assets:edit', 'assets:browse']) });

    expect((await owner.delete<Group>(`/groups/${editors.id}/members/${viewerId}`)).body.memberCount).toBe(0);
    const after = await world.signInClaims('viewer@imgco.test');
    expect(after.groups).toEqual([]);
    expect(after.permissions).not.toContain('billing:manage');
  });

  it('lets nobody put roles they lack on a group, join someone to a group carrying them, or change such a group', async () => {
    const owner = await world.as('owner@imgco.test');
    const admin = await world.as('admin@imgco.test');
    expect(await admin.post('/groups', { name: 'Owners', roles: [{ role: 'owner' }] })).toMatchObject({ status: 403, body: { code: 'privilege_escalation' } });
    const groups = (await owner.get<{ items: Group[] }>('/groups')).body.items;
    const carrier = groups.find((g) => g.name === 'Team 4')!;
    await owner.patch(`/groups/${carrier.id}`, { roles: [{ role: 'owner' }] });
    const devId = await world.userId('dev@imgco.test');
    expect((await admin.post(`/groups/${carrier.id}/members`, { userIds: [devId] })).body).toMatchObject({ code: 'privilege_escalation' });
    expect((await admin.patch(`/groups/${carrier.id}`, { name: 'Renamed' })).body).toMatchObject({ code: 'privilege_escalation' });
    expect((await admin.delete(`/groups/${carrier.id}`)).body).toMatchObject({ code: 'privilege_escalation' });
    expect((await owner.get<Group>(`/groups/${carrier.id}`)).body).toMatchObject({ name: 'Team 4', memberCount: 0 });
    // And through an invitation: groups' roles count as granted.
    expect((await admin.post('/invitations', { email: 'sneaky@imgco.test', groupIds: [carrier.id] })).body).toMatchObject({ code: 'privilege_escalation' });
    const adminId = await world.userId('admin@imgco.test');
    expect((await owner.post(`/groups/${carrier.id}/members`, { userIds: [adminId] })).status).toBe(200);
    // Nobody adds themselves to a group either.
    const team3 = groups.find((g) => g.name === 'Team 3')!;
    expect((await admin.post(`/groups/${team3.id}/members`, { userIds: [adminId] })).body).toMatchObject({ code: 'self_modification' });
  });

  it('hides groups of other organisations and needs users:manage to change groups', async () => {
    const owner = await world.as('owner@imgco.test');
    const rival = await world.as('owner@rival.test');
    const group = (await owner.get<{ items: Group[] }>('/groups')).body.items[0]!;
    expect((await rival.get(`/groups/${group.id}`)).status).toBe(404);
    expect((await rival.patch(`/groups/${group.id}`, { name: 'Mine' })).status).toBe(404);
    expect((await rival.delete(`/groups/${group.id}`)).status).toBe(404);
    expect((await rival.get<{ items: Group[] }>('/groups')).body.items).toEqual([]);
    const dev = await world.as('dev@imgco.test');
    expect((await dev.post('/groups', { name: 'Devs' })).body).toMatchObject({ code: 'forbidden' });
    expect((await owner.get<Group>(`/groups/${group.id}`)).body.name).toBe(group.name);
  });
});
