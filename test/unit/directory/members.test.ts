import { describe, expect, it } from 'vitest';
import { NotFoundError, type ValidationError } from '../../../src/common/errors.ts';
import { groupDraft } from '../../support/samples.ts';
import { createWorld, expectCode, roles } from './world.ts';

describe('listing and reading members', () => {
  it('lists with cursor pagination, status filter and email/name search, without secrets', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { actor } = await w.actor(org, roles('account-admin'));
    await w.member(org, roles('analyst'), { user: { email: 'grace.hopper@navy.example', name: 'Grace Hopper', passwordHash: 'secret-hash' } });
    await w.member(org, roles('analyst'), { user: { email: 'ada@example.com', name: 'Ada Lovelace' }, membership: { status: 'suspended' } });
    for (let i = 0; i < 3; i++) await w.member(org, roles('developer'), { user: { name: `Dev ${i}` } });

    const first = await w.directory.members.list(actor, { limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await w.directory.members.list(actor, { limit: 2, cursor: first.next! });
    const third = await w.directory.members.list(actor, { limit: 2, cursor: second.next! });
    expect(third.next).toBeUndefined();
    const all = [...first.items, ...second.items, ...third.items];
    expect(new Set(all.map((m) => m.userId)).size).toBe(6);
    expect(JSON.stringify(all)).not.toContain('secret-hash');
    expect(all.find((m) => m.email.startsWith('grace'))?.hasPassword).toBe(true);

    expect((await w.directory.members.list(actor, { search: 'HOPPER' })).items.map((m) => m.name)).toEqual(['Grace Hopper']);
    expect((await w.directory.members.list(actor, { search: 'navy.exa' })).items).toHaveLength(1);
    expect((await w.directory.members.list(actor, { status: 'suspended' })).items.map((m) => m.email)).toEqual(['ada@example.com']);
  });

  it('pages through search results without losing or repeating any', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { actor } = await w.actor(org, roles('account-admin'));
    for (let i = 0; i < 7; i++) await w.member(org, roles('developer'), { user: { name: i % 2 === 0 ? `Match ${i}` : `Other ${i}` } });
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await w.directory.members.list(actor, { search: 'match', limit: 1, ...(cursor ? { cursor } : {}) });
      names.push(...page.items.map((m) => m.name));
      cursor = page.next;
    } while (cursor);
    expect(names).toEqual(['Match 0', 'Match 2', 'Match 4', 'Match 6']);
  });

  it('lets users:read list and get, and refuses those without it', async () => {
    const w = await createWorld();
    const org = await w.org();
    const target = await w.member(org);
    const { actor: developer } = await w.actor(org, roles('developer'));
    // No default role holds users:read without users:manage: a reader is a developer with that one permission more.
    const reader = { ...developer, permissions: new Set([...developer.permissions, 'users:read']) };
    expect((await w.directory.members.get(reader, target.user.id)).email).toBe(target.user.email);
    expect((await w.directory.members.list(reader)).items.length).toBe(2);
    await expectCode(w.directory.members.list(developer), 'forbidden', 403);
    await expectCode(w.directory.members.get(developer, target.user.id), 'forbidden', 403);
  });

  it('answers 404 for a member of another organisation (tenant isolation)', async () => {
    const w = await createWorld();
    const [org, other] = [await w.org(), await w.org()];
    const { actor } = await w.actor(org, roles('owner'));
    const foreign = await w.member(other);
    await expect(w.directory.members.get(actor, foreign.user.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.directory.members.suspend(actor, foreign.user.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.directory.members.update(actor, foreign.user.id, { roles: roles('analyst') })).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.directory.members.remove(actor, foreign.user.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await w.stores.memberships.findFor(other.id, foreign.user.id)).toMatchObject({ status: 'active' });
  });
});

describe('changing members', () => {
  it('updates roles, groups and login methods, suspends, reactivates and removes, with audit events', async () => {
    const w = await createWorld();
    const org = await w.org({ loginPolicy: { methods: ['password', 'google'], googleHostedDomains: [], ownerPasswordFallback: false } });
    const { actor } = await w.actor(org, roles('account-admin'));
    const group = await w.stores.groups.create(groupDraft(org.id, { roles: roles('analyst') }));
    const { user } = await w.member(org, roles('developer'));

    const updated = await w.directory.members.update(actor, user.id, { roles: roles('accountant'), groupIds: [group.id], loginMethods: ['google'] });
    expect(updated).toMatchObject({ roles: roles('accountant'), groupIds: [group.id], loginMethods: ['google'] });
    expect((await w.directory.members.suspend(actor, user.id)).status).toBe('suspended');
    expect(await w.directory.access.buildActor({ kind: 'user', id: user.id, orgId: org.id })).toBeUndefined();
    expect((await w.directory.members.reactivate(actor, user.id)).status).toBe('active');
    await w.directory.members.remove(actor, user.id);
    expect(await w.stores.memberships.findFor(org.id, user.id)).toBeUndefined();
    expect(await w.stores.users.find(user.id)).toBeDefined();

    const events = (await w.stores.audit.list({ where: { orgId: org.id } })).items;
    expect(events.map((e) => e.action)).toEqual(['member.updated', 'member.suspended', 'member.reactivated', 'member.removed']);
    expect(events[0]).toMatchObject({ actor: `user:${actor.id}`, target: `user:${user.id}`, outcome: 'success', requestId: 'req-1', ip: '203.0.113.7' });
  });

  it('needs users:manage: users:read alone cannot change anyone', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { user } = await w.member(org);
    const { actor: developer } = await w.actor(org, roles('developer'));
    const reader = { ...developer, permissions: new Set([...developer.permissions, 'users:read']) };
    await expectCode(w.directory.members.suspend(reader, user.id), 'forbidden', 403);
    await expectCode(w.directory.members.reactivate(reader, user.id), 'forbidden', 403);
    await expectCode(w.directory.members.remove(reader, user.id), 'forbidden', 403);
    await expectCode(w.directory.members.update(reader, user.id, { roles: [] }), 'forbidden', 403);
    expect(await w.stores.memberships.findFor(org.id, user.id)).toMatchObject({ status: 'active', roles: roles('developer') });
    const denial = (await w.stores.audit.list({ where: { orgId: org.id, outcome: 'failure' } })).items[0];
    expect(denial).toMatchObject({ action: 'member.suspended', actor: `user:${developer.id}`, details: { reason: 'forbidden' } });
  });

  it('refuses changes to one\'s own membership (self_modification)', async () => {
    const w = await createWorld();
    const org = await w.org();
    await w.member(org, roles('owner'));
    const { user, actor } = await w.actor(org, roles('owner'));
    const group = await w.stores.groups.create(groupDraft(org.id));
    await expectCode(w.directory.members.suspend(actor, user.id), 'self_modification', 403);
    await expectCode(w.directory.members.remove(actor, user.id), 'self_modification', 403);
    await expectCode(w.directory.members.update(actor, user.id, { roles: roles('developer') }), 'self_modification', 403);
    await expectCode(w.directory.members.update(actor, user.id, { groupIds: [group.id] }), 'self_modification', 403);
    await expectCode(w.directory.groups.addMembers(actor, group.id, { userIds: [user.id] }), 'self_modification', 403);
    expect(await w.stores.memberships.findFor(org.id, user.id)).toMatchObject({ status: 'active', roles: roles('owner'), groupIds: [] });
  });

  it('refuses to grant roles the actor does not hold, directly or through groups (privilege_escalation)', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { actor } = await w.actor(org, roles('account-admin'));
    const { user } = await w.member(org, roles('developer'));
    const ownersGroup = await w.stores.groups.create(groupDraft(org.id, { roles: roles('owner') }));
    await expectCode(w.directory.members.update(actor, user.id, { roles: roles('owner') }), 'privilege_escalation', 403);
    await expectCode(w.directory.members.update(actor, user.id, { groupIds: [ownersGroup.id] }), 'privilege_escalation', 403);
    await expectCode(w.directory.members.update(actor, user.id, { roles: roles('developer', 'owner') }), 'privilege_escalation', 403);
    expect(await w.stores.memberships.findFor(org.id, user.id)).toMatchObject({ roles: roles('developer'), groupIds: [] });
    // What the actor holds is grantable.
    await expect(w.directory.members.update(actor, user.id, { roles: roles('account-admin') })).resolves.toBeDefined();
  });

  it('refuses to change a member who holds more than the actor (an account admin cannot suspend the owner)', async () => {
    const w = await createWorld();
    const org = await w.org();
    const owner = await w.member(org, roles('owner'));
    await w.member(org, roles('owner'));
    const { actor } = await w.actor(org, roles('account-admin'));
    await expectCode(w.directory.members.suspend(actor, owner.user.id), 'privilege_escalation', 403);
    await expectCode(w.directory.members.remove(actor, owner.user.id), 'privilege_escalation', 403);
    await expectCode(w.directory.members.update(actor, owner.user.id, { roles: roles('developer') }), 'privilege_escalation', 403);
    // Roles carried by groups count too.
    const ownersGroup = await w.stores.groups.create(groupDraft(org.id, { roles: roles('owner') }));
    const { user } = await w.member(org, roles('developer'), { membership: { groupIds: [ownersGroup.id] } });
    await expectCode(w.directory.members.suspend(actor, user.id), 'privilege_escalation', 403);
  });

  it('checks role bindings against the catalog and login methods against the policy (field paths)', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { actor } = await w.actor(org, roles('owner'));
    const { user } = await w.member(org);
    const roleError = await expectCode(w.directory.members.update(actor, user.id, { roles: [{ role: 'analyst' }, { role: 'wizard' }] }), 'invalid_request', 400);
    expect((roleError as ValidationError).details).toEqual([{ path: 'roles[1].role', message: 'unknown role "wizard"' }]);
    const methodError = await expectCode(w.directory.members.update(actor, user.id, { loginMethods: ['saml'] }), 'invalid_request', 400);
    expect((methodError as ValidationError).details[0]?.path).toBe('loginMethods[0]');
    const shapeError = await expectCode(w.directory.members.update(actor, user.id, { roles: [{ role: 'analyst', scope: { type: 'source' } }] } as never), 'invalid_request', 400);
    expect((shapeError as ValidationError).details[0]?.path).toBe('roles[0].scope.ids');
  });
});

describe('the last owner', () => {
  it('cannot be removed, suspended or demoted, even by a key holding the owner role', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { user: owner, actor: ownerActor } = await w.actor(org, roles('owner'));
    const { apiKey } = await w.directory.apiKeys.create(ownerActor, { name: 'automation', roles: roles('owner') });
    const key = (await w.directory.access.buildActor({ kind: 'apikey', id: apiKey.id, orgId: org.id }))!;
    await expectCode(w.directory.members.remove(key, owner.id), 'last_owner', 403);
    await expectCode(w.directory.members.suspend(key, owner.id), 'last_owner', 403);
    await expectCode(w.directory.members.update(key, owner.id, { roles: roles('account-admin') }), 'last_owner', 403);
    // Other changes to the last owner are not a demotion.
    await expect(w.directory.members.update(key, owner.id, { loginMethods: ['password'] })).resolves.toBeDefined();
    expect((await w.stores.memberships.findFor(org.id, owner.id))).toMatchObject({ status: 'active', roles: roles('owner') });
  });

  it('can be changed once another owner exists; an owner through a group does not count', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { user: first } = await w.member(org, roles('owner'));
    const ownersGroup = await w.stores.groups.create(groupDraft(org.id, { roles: roles('owner') }));
    const { user: groupOwner } = await w.member(org, [], { membership: { groupIds: [ownersGroup.id] } });
    const viaGroup = await w.actorOf(org, groupOwner);
    await expectCode(w.directory.members.suspend(viaGroup, first.id), 'last_owner', 403);
    const { user: second } = await w.member(org, roles('owner'));
    await w.directory.members.suspend(viaGroup, first.id);
    await expectCode(w.directory.members.remove(viaGroup, second.id), 'last_owner', 403);
  });
});
