import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/common/errors.ts';
import { authenticateApiKey } from '../../../src/directory/api-keys.ts';
import { validateCatalog } from '../../../src/directory/permissions.ts';
import { createWorld, expectCode, roles } from './world.ts';

const MINUTE = 60_000;

async function ownerWorld() {
  const w = await createWorld();
  const org = await w.org();
  const { user: owner, actor } = await w.actor(org, roles('owner'));
  return { w, org, owner, actor };
}

describe('API keys (seeds: only the owner can access API keys)', () => {
  it('shows the key once at creation and stores only the SHA-256 of its secret', async () => {
    const { w, org, actor } = await ownerWorld();
    const { apiKey, key } = await w.directory.apiKeys.create(actor, { name: ' CI deploys ', roles: roles('developer') });
    const match = /^bk_([0-9a-z]{12})_([A-Za-z0-9_-]{43})$/.exec(key);
    expect(match).not.toBeNull();
    expect(apiKey).toMatchObject({ orgId: org.id, name: 'CI deploys', prefix: match![1], roles: roles('developer'), createdBy: `user:${actor.id}`, lastUsedAt: null, revokedAt: null });
    expect(apiKey).not.toHaveProperty('secretHash');
    const stored = await w.stores.apiKeys.get(apiKey.id);
    expect(stored.secretHash).toBe(createHash('sha256').update(match![2]!).digest('base64url'));
    expect(JSON.stringify(stored)).not.toContain(match![2]);
    const listed = await w.directory.apiKeys.list(actor);
    expect(listed.items).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(match![2]);
    expect(listed.items[0]).not.toHaveProperty('secretHash');
    const event = (await w.stores.audit.list({ where: { orgId: org.id, action: 'api_key.created' } })).items[0];
    expect(event).toMatchObject({ target: `apikey:${apiKey.id}`, outcome: 'success' });
    expect(JSON.stringify(event)).not.toContain(match![2]);
  });

  it('is for the owner only: an account admin, a developer and a key itself are refused', async () => {
    const { w, org, actor: owner } = await ownerWorld();
    const { apiKey, key } = await w.directory.apiKeys.create(owner, { name: 'owner key', roles: roles('owner') });
    const { actor: accountAdmin } = await w.actor(org, roles('account-admin'));
    const { actor: developer } = await w.actor(org, roles('developer'));
    const keyActor = (await w.directory.access.buildActor({ kind: 'apikey', id: apiKey.id, orgId: org.id }))!;
    expect(key).toBeTruthy();
    for (const actor of [accountAdmin, developer, keyActor]) {
      await expectCode(w.directory.apiKeys.create(actor, { name: 'x', roles: roles('analyst') }), 'forbidden', 403);
      await expectCode(w.directory.apiKeys.list(actor), 'forbidden', 403);
      await expectCode(w.directory.apiKeys.revoke(actor, apiKey.id), 'forbidden', 403);
    }
    expect((await w.stores.apiKeys.get(apiKey.id)).revokedAt).toBeNull();
  });

  it('authenticates the exact key, refuses tampered, unknown and revoked ones', async () => {
    const { w, actor } = await ownerWorld();
    const { apiKey, key } = await w.directory.apiKeys.create(actor, { name: 'CI', roles: roles('developer') });
    expect((await w.directory.apiKeys.authenticate(key))?.id).toBe(apiKey.id);
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    expect(await w.directory.apiKeys.authenticate(key.slice(0, -1) + last)).toBeUndefined();
    expect(await w.directory.apiKeys.authenticate(key.replace(apiKey.prefix, 'zzzzzzzzzzzz'))).toBeUndefined();
    expect(await w.directory.apiKeys.authenticate('bk_short')).toBeUndefined();
    expect(await w.directory.apiKeys.authenticate('')).toBeUndefined();
    await w.directory.apiKeys.revoke(actor, apiKey.id);
    expect(await w.directory.apiKeys.authenticate(key)).toBeUndefined();
    expect((await w.directory.apiKeys.list(actor)).items).toEqual([]);
    expect((await w.directory.apiKeys.list(actor, { includeRevoked: true })).items[0]?.revokedAt).toBe(w.now().toISOString());
  });

  it('records use at most once a minute', async () => {
    const { w, actor } = await ownerWorld();
    const { apiKey, key } = await w.directory.apiKeys.create(actor, { name: 'CI', roles: roles('developer') });
    await authenticateApiKey(w.stores, key, w.now);
    const first = await w.stores.apiKeys.get(apiKey.id);
    expect(first.lastUsedAt).toBe(w.now().toISOString());
    w.advance(MINUTE - 1);
    await authenticateApiKey(w.stores, key, w.now);
    expect((await w.stores.apiKeys.get(apiKey.id)).version).toBe(first.version);
    w.advance(1);
    await authenticateApiKey(w.stores, key, w.now);
    expect((await w.stores.apiKeys.get(apiKey.id)).lastUsedAt).toBe(w.now().toISOString());
  });

  it('checks a key\'s roles against the catalog', async () => {
    const { w, actor } = await ownerWorld();
    await expectCode(w.directory.apiKeys.create(actor, { name: 'x', roles: [] }), 'invalid_request', 400);
    const error = await expectCode(w.directory.apiKeys.create(actor, { name: 'x', roles: [{ role: 'source-viewer' }] }), 'invalid_request', 400);
    expect(error).toMatchObject({ details: [{ path: 'roles[0].scope' }] });
    await expect(w.directory.apiKeys.create(actor, { name: 'viewer', roles: [{ role: 'source-viewer', scope: { type: 'source', ids: ['s1'] } }] })).resolves.toBeDefined();
  });

  it('refuses to give a key roles its creator cannot grant (an owner role that is not all-powerful)', async () => {
    const catalog = validateCatalog({
      permissions: [
        { id: 'api-keys:manage', label: 'API keys', description: 'Keys.' },
        { id: 'billing:manage', label: 'Billing', description: 'Billing.' },
      ],
      roles: [
        { id: 'owner', label: 'Owner', description: 'Keys only.', permissions: ['api-keys:manage'] },
        { id: 'accountant', label: 'Accountant', description: 'Billing.', permissions: ['billing:manage'] },
      ],
    });
    const w = await createWorld({ catalog });
    const org = await w.org();
    const { actor } = await w.actor(org, roles('owner'));
    await expectCode(w.directory.apiKeys.create(actor, { name: 'x', roles: roles('accountant') }), 'privilege_escalation', 403);
    await expect(w.directory.apiKeys.create(actor, { name: 'x', roles: roles('owner') })).resolves.toBeDefined();
  });

  it('hides keys of other organisations (404)', async () => {
    const { w, actor } = await ownerWorld();
    const other = await w.org();
    const { actor: otherOwner } = await w.actor(other, roles('owner'));
    const { apiKey } = await w.directory.apiKeys.create(otherOwner, { name: 'theirs', roles: roles('developer') });
    await expect(w.directory.apiKeys.revoke(actor, apiKey.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await w.directory.apiKeys.list(actor)).items).toEqual([]);
    expect((await w.stores.apiKeys.get(apiKey.id)).revokedAt).toBeNull();
  });
});
