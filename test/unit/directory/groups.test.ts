import { describe, expect, it } from 'vitest';
import { ConflictError, LimitExceededError, NotFoundError, type ValidationError } from '../../../src/common/errors.ts';
import { groupDraft } from '../../support/samples.ts';
import { createWorld, expectCode, roles } from './world.ts';

async function adminWorld(maxGroups = 5) {
  const w = await createWorld();
  const org = await w.org({ limits: { maxUsers: null, maxGroups } });
  const { user: admin, actor } = await w.actor(org, roles('account-admin'));
  return { w, org, admin, actor };
}

describe('groups (seeds: at most five, unique case-insensitive names of letters, numbers and spaces)', () => {
  it('creates, renames, describes, sets roles, lists and deletes, with audit events', async () => {
    const { w, org, actor } = await adminWorld();
    const group = await w.directory.groups.create(actor, { name: '  Marketing   Team ', roles: roles('marketer') });
    expect(group).toMatchObject({ name: 'Marketing Team', description: '', roles: roles('marketer'), memberCount: 0, orgId: org.id });
    const renamed = await w.directory.groups.update(actor, group.id, { name: 'Brand Team', description: 'Social media ads' });
    expect(renamed).toMatchObject({ name: 'Brand Team', description: 'Social media ads' });
    expect((await w.directory.groups.update(actor, group.id, { roles: roles('analyst') })).roles).toEqual(roles('analyst'));
    expect((await w.directory.groups.list(actor)).items.map((g) => g.name)).toEqual(['Brand Team']);
    expect((await w.directory.groups.get(actor, group.id)).name).toBe('Brand Team');
    await w.directory.groups.delete(actor, group.id);
    expect(await w.stores.groups.find(group.id)).toBeUndefined();
    const actions = (await w.stores.audit.list({ where: { orgId: org.id } })).items.map((e) => e.action);
    expect(actions).toEqual(['group.created', 'group.updated', 'group.updated', 'group.deleted']);
  });

  it('accepts Unicode letters and digits, refuses anything else, with the field path', async () => {
    const { w, actor } = await adminWorld(10);
    for (const name of ['Équipe Café', 'Отдел продаж', 'विपणन टीम', 'Team 42', 'x'.repeat(64)]) {
      expect((await w.directory.groups.create(actor, { name })).name).toBe(name);
    }
    for (const name of ['', '   ', 'Sales-Team', 'R&D', 'Team_1', 'emoji 🎉', 'x'.repeat(65), 'tab\there']) {
      const error = await expectCode(w.directory.groups.create(actor, { name }), 'invalid_request', 400);
      expect((error as ValidationError).details[0]?.path).toBe('name');
    }
  });

  it('compares names case-insensitively: a duplicate is a clear conflict', async () => {
    const { w, actor } = await adminWorld();
    const sales = await w.directory.groups.create(actor, { name: 'Sales Team' });
    const other = await w.directory.groups.create(actor, { name: 'Support' });
    for (const attempt of [w.directory.groups.create(actor, { name: 'sales  TEAM' }), w.directory.groups.update(actor, other.id, { name: 'SALES team' })]) {
      const error = await attempt.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ code: 'conflict', key: 'name', message: 'A group with this name already exists' });
    }
    // Renaming a group to another case of its own name is fine.
    expect((await w.directory.groups.update(actor, sales.id, { name: 'SALES TEAM' })).name).toBe('SALES TEAM');
  });

  it('stops at organization.limits.maxGroups (default 5) with a clear error', async () => {
    const { w, org, actor } = await adminWorld();
    for (let i = 1; i <= 5; i++) await w.directory.groups.create(actor, { name: `Team ${i}` });
    const error = await expectCode(w.directory.groups.create(actor, { name: 'Team 6' }), 'group_limit_reached', 409);
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error.message).toBe('This organization has reached its limit of 5 groups');
    expect(await w.stores.groups.count({ orgId: org.id })).toBe(5);
  });

  it('never exceeds the limit when creations race for the last slot', async () => {
    const { w, org, actor } = await adminWorld(2);
    await w.directory.groups.create(actor, { name: 'First' });
    const results = await Promise.allSettled(['A', 'B', 'C'].map((name) => w.directory.groups.create(actor, { name })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await w.stores.groups.count({ orgId: org.id })).toBe(2);
  });

  it('adds and removes members; group roles flow into their permissions; deletion takes the group out of members', async () => {
    const { w, org, actor } = await adminWorld();
    const group = await w.directory.groups.create(actor, { name: 'Finance', roles: roles('accountant') });
    const { user } = await w.member(org, roles('developer'));
    expect((await w.actorOf(org, user)).permissions.has('billing:manage')).toBe(false);
    expect((await w.directory.groups.addMembers(actor, group.id, { userIds: [user.id] })).memberCount).toBe(1);
    expect((await w.actorOf(org, user)).permissions.has('billing:manage')).toBe(true);
    expect((await w.directory.members.list(actor, { groupId: group.id })).items.map((m) => m.userId)).toEqual([user.id]);
    expect((await w.directory.groups.removeMembers(actor, group.id, { userIds: [user.id] })).memberCount).toBe(0);
    expect((await w.actorOf(org, user)).permissions.has('billing:manage')).toBe(false);

    await w.directory.groups.addMembers(actor, group.id, { userIds: [user.id] });
    const { invitation } = await w.directory.invitations.invite(actor, { email: 'new@example.com', groupIds: [group.id] });
    await w.directory.groups.delete(actor, group.id);
    expect((await w.stores.memberships.findFor(org.id, user.id))?.groupIds).toEqual([]);
    expect((await w.stores.invitations.get(invitation.id)).groupIds).toEqual([]);
  });

  it('needs users:manage to change groups; users:read may list and read', async () => {
    const { w, org, actor } = await adminWorld();
    const group = await w.directory.groups.create(actor, { name: 'Ops' });
    const { user } = await w.member(org);
    const { actor: developer } = await w.actor(org, roles('developer'));
    const reader = { ...developer, permissions: new Set([...developer.permissions, 'users:read']) };
    expect((await w.directory.groups.list(reader)).items).toHaveLength(1);
    expect((await w.directory.groups.get(reader, group.id)).name).toBe('Ops');
    await expectCode(w.directory.groups.list(developer), 'forbidden', 403);
    await expectCode(w.directory.groups.create(reader, { name: 'New' }), 'forbidden', 403);
    await expectCode(w.directory.groups.update(reader, group.id, { name: 'Renamed' }), 'forbidden', 403);
    await expectCode(w.directory.groups.delete(reader, group.id), 'forbidden', 403);
    await expectCode(w.directory.groups.addMembers(reader, group.id, { userIds: [user.id] }), 'forbidden', 403);
    await expectCode(w.directory.groups.removeMembers(reader, group.id, { userIds: [user.id] }), 'forbidden', 403);
  });

  it('refuses roles the actor does not hold: on the group, or by adding people to a group carrying them', async () => {
    const { w, org, actor } = await adminWorld();
    const { user } = await w.member(org);
    await expectCode(w.directory.groups.create(actor, { name: 'Owners', roles: roles('owner') }), 'privilege_escalation', 403);
    const plain = await w.directory.groups.create(actor, { name: 'Plain' });
    await expectCode(w.directory.groups.update(actor, plain.id, { roles: roles('owner') }), 'privilege_escalation', 403);
    const owners = await w.stores.groups.create(groupDraft(org.id, { name: 'Owners', roles: roles('owner') }));
    await expectCode(w.directory.groups.addMembers(actor, owners.id, { userIds: [user.id] }), 'privilege_escalation', 403);
    await expectCode(w.directory.groups.delete(actor, owners.id), 'privilege_escalation', 403);
    expect((await w.stores.memberships.findFor(org.id, user.id))?.groupIds).toEqual([]);
    expect((await w.stores.groups.get(plain.id)).roles).toEqual([]);
  });

  it('refuses adding oneself to a group (self_modification)', async () => {
    const { w, admin, actor } = await adminWorld();
    const group = await w.directory.groups.create(actor, { name: 'Anything' });
    await expectCode(w.directory.groups.addMembers(actor, group.id, { userIds: [admin.id] }), 'self_modification', 403);
  });

  it('hides groups and members of other organisations (404)', async () => {
    const { w, actor } = await adminWorld();
    const other = await w.org();
    const foreignGroup = await w.stores.groups.create(groupDraft(other.id));
    const foreignMember = await w.member(other);
    const mine = await w.directory.groups.create(actor, { name: 'Mine' });
    await expect(w.directory.groups.get(actor, foreignGroup.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.directory.groups.update(actor, foreignGroup.id, { name: 'Taken Over' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.directory.groups.delete(actor, foreignGroup.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.directory.groups.addMembers(actor, mine.id, { userIds: [foreignMember.user.id] })).rejects.toBeInstanceOf(NotFoundError);
    expect((await w.directory.groups.list(actor)).items.map((g) => g.id)).toEqual([mine.id]);
    expect(await w.stores.groups.get(foreignGroup.id)).toMatchObject({ orgId: other.id });
  });
});
