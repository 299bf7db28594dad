import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../../src/common/errors.ts';
import { requirePermission } from '../../../src/directory/access.ts';
import { groupDraft } from '../../support/samples.ts';
import { createWorld, roles } from './world.ts';

describe('buildActor', () => {
  it('expands the membership roles into permissions, with the request context', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { user } = await w.member(org, roles('account-admin'));
    const actor = await w.directory.access.buildActor({ kind: 'user', id: user.id, orgId: org.id, requestId: 'r1', ip: '198.51.100.1' });
    expect(actor).toMatchObject({ kind: 'user', id: user.id, orgId: org.id, bindings: roles('account-admin'), requestId: 'r1', ip: '198.51.100.1' });
    expect(actor?.permissions.has('users:manage')).toBe(true);
    expect(actor?.permissions.has('organization:manage')).toBe(false);
  });

  it('adds the roles of the member\'s groups (group bindings flow into effective permissions)', async () => {
    const w = await createWorld();
    const org = await w.org();
    const group = await w.stores.groups.create(groupDraft(org.id, { roles: roles('accountant') }));
    const { user } = await w.member(org, roles('developer'), { membership: { groupIds: [group.id] } });
    const actor = await w.actorOf(org, user);
    expect(actor.bindings).toEqual(roles('developer', 'accountant'));
    expect(actor.permissions.has('billing:manage')).toBe(true);
    expect(actor.permissions.has('sources:edit')).toBe(true);
  });

  it('ignores groups of another organisation and bindings the catalog no longer accepts', async () => {
    const w = await createWorld();
    const [org, other] = [await w.org(), await w.org()];
    const foreign = await w.stores.groups.create(groupDraft(other.id, { roles: roles('owner') }));
    const { user } = await w.member(org, [{ role: 'retired-role' }, { role: 'analyst' }], { membership: { groupIds: [foreign.id] } });
    const actor = await w.actorOf(org, user);
    expect(actor.bindings).toEqual(roles('analyst'));
    expect(actor.permissions.has('users:manage')).toBe(false);
  });

  it('refuses members who are not active, users who are disabled, and non-members', async () => {
    const w = await createWorld();
    const [org, other] = [await w.org(), await w.org()];
    const suspended = await w.member(org, roles('owner'), { membership: { status: 'suspended' } });
    const invited = await w.member(org, roles('owner'), { membership: { status: 'invited' } });
    const disabled = await w.member(org, roles('owner'), { user: { status: 'disabled' } });
    const elsewhere = await w.member(other, roles('owner'));
    for (const { user } of [suspended, invited, disabled, elsewhere]) {
      expect(await w.directory.access.buildActor({ kind: 'user', id: user.id, orgId: org.id })).toBeUndefined();
    }
  });

  it('gives an API key its own roles only, in its own organisation, until revoked', async () => {
    const w = await createWorld();
    const [org, other] = [await w.org(), await w.org()];
    const { actor: owner } = await w.actor(org, roles('owner'));
    const { apiKey } = await w.directory.apiKeys.create(owner, { name: 'CI', roles: roles('developer') });
    const actor = await w.directory.access.buildActor({ kind: 'apikey', id: apiKey.id, orgId: org.id });
    expect(actor).toMatchObject({ kind: 'apikey', id: apiKey.id, bindings: roles('developer') });
    expect(actor?.permissions.has('users:read')).toBe(false);
    expect(await w.directory.access.buildActor({ kind: 'apikey', id: apiKey.id, orgId: other.id })).toBeUndefined();
    await w.directory.apiKeys.revoke(owner, apiKey.id);
    expect(await w.directory.access.buildActor({ kind: 'apikey', id: apiKey.id, orgId: org.id })).toBeUndefined();
  });

  it('gives the system actor every permission', async () => {
    const w = await createWorld();
    const actor = w.directory.access.systemActor('org-1');
    expect(actor.permissions.has('organization:manage')).toBe(true);
    expect(actor.permissions.has('users:manage')).toBe(true);
  });
});

describe('requirePermission', () => {
  it('passes with the permission and refuses with code "forbidden" without it', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { actor } = await w.actor(org, roles('developer'));
    expect(() => requirePermission(actor, 'sources:edit')).not.toThrow();
    expect(() => requirePermission(actor, 'users:manage')).toThrow(ForbiddenError);
    try {
      requirePermission(actor, 'users:manage');
    } catch (error) {
      expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    }
  });
});
