import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvStore } from '../../src/common/kv.ts';
import { mapCollections, type StorageBackend } from '../../src/store/collection.ts';
import { withGenerationCache } from '../../src/store/generation-cache.ts';
import { requestCache, withRequestCache } from '../../src/store/request-cache.ts';
import { createMongoBackend } from '../../src/store/mongo/backend.ts';
import { createStores, type Stores } from '../../src/store/stores.ts';
import { freshDatabase } from '../support/mongo-database.ts';
import { redisTestSpace } from '../support/redis.ts';
import { connectionDraft, groupDraft, membershipDraft, orgDraft, userDraft } from '../support/samples.ts';
import { runStoreContract } from './stores.contract.ts';

/*
 * The read cache (src/store/generation-cache.ts) over FerretDB, its generations in Redis: the whole store
 * contract through it, then what it adds: reads served from memory, and never a stale one after a write made
 * through any instance.
 */

runStoreContract('mongodb (FerretDB) through the read cache (generations in Redis)', async () => {
  const db = freshDatabase();
  const space = redisTestSpace();
  const kv = space.open();
  const mongo = await createMongoBackend({ url: db.url, dbName: db.dbName, serverSelectionTimeoutMS: 5_000 });
  return {
    backend: withGenerationCache(mongo, { kv, maxAgeMs: 60_000 }),
    async cleanup() {
      await kv.close();
      await space.cleanup();
      await db.drop();
    },
  };
});

/** Counts the database reads by id and by key that reach the backend, per collection. */
function counted(backend: StorageBackend, reads: Map<string, number>): StorageBackend {
  const count = (name: string) => reads.set(name, (reads.get(name) ?? 0) + 1);
  return mapCollections(backend, (inner, spec) => ({
    ...inner,
    findById: (id) => (count(spec.name), inner.findById(id)),
    findByKey: (key, value) => (count(spec.name), inner.findByKey(key, value)),
    list: (where, afterId, limit) => (count(spec.name), inner.list(where, afterId, limit)),
  }));
}

describe('read cache: two instances on one database and one Redis', () => {
  const MAX_AGE_MS = 60_000;
  const db = freshDatabase();
  const space = redisTestSpace();
  let clock = 0;
  const reads = new Map<string, number>();
  let kvs: KvStore[] = [];
  /** Instance A (its database reads counted) and instance B, both cached. */
  let a: Stores;
  let b: Stores;
  /** Straight to the database, announcing nothing: an edit made outside Bridgekeeper. */
  let outside: Stores;

  const databaseReads = (collection: string) => reads.get(collection) ?? 0;

  async function instance(countReads: boolean): Promise<Stores> {
    const kv = space.open();
    kvs.push(kv);
    const mongo = await createMongoBackend({ url: db.url, dbName: db.dbName, serverSelectionTimeoutMS: 5_000 });
    return createStores(withGenerationCache(countReads ? counted(mongo, reads) : mongo, { kv, maxAgeMs: MAX_AGE_MS, now: () => clock }));
  }

  beforeAll(async () => {
    a = await instance(true);
    b = await instance(false);
    outside = await createStores(await createMongoBackend({ url: db.url, dbName: db.dbName, serverSelectionTimeoutMS: 5_000 }));
  });

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close(), outside?.close(), ...kvs.map((kv) => kv.close())]);
    kvs = [];
    await space.cleanup();
    await db.drop();
  });

  it('reads a document once from the database, then from memory', async () => {
    const user = await b.users.create(userDraft());
    const before = databaseReads('users');
    expect(await a.users.get(user.id)).toEqual(user);
    expect(await a.users.get(user.id)).toEqual(user);
    expect(await a.users.find(user.id)).toEqual(user);
    expect(databaseReads('users') - before).toBe(1);
  });

  it('sees an update and a deletion made by the other instance at once', async () => {
    const user = await a.users.create(userDraft({ name: 'Before' }));
    expect((await a.users.get(user.id)).name).toBe('Before');
    await b.users.update(user.id, { name: 'After' });
    expect((await a.users.get(user.id)).name).toBe('After');
    await b.users.delete(user.id);
    expect(await a.users.find(user.id)).toBeUndefined();
  });

  it('finds by unique key from memory, and never by a key the document no longer holds', async () => {
    const user = await a.users.create(userDraft({ email: 'Keyed@Cache.test' }));
    // The first lookup learns the id (by key), the second keeps the document (by id, after its generation).
    expect((await a.users.findByEmail('keyed@cache.test'))?.id).toBe(user.id);
    expect((await a.users.findByEmail('keyed@cache.test'))?.id).toBe(user.id);
    const before = databaseReads('users');
    expect((await a.users.findByEmail('KEYED@cache.test'))?.id).toBe(user.id);
    expect(databaseReads('users') - before).toBe(0);

    await b.users.update(user.id, { email: 'moved@cache.test' });
    expect(await a.users.findByEmail('keyed@cache.test')).toBeUndefined();
    expect((await a.users.findByEmail('moved@cache.test'))?.id).toBe(user.id);
    // The freed address can be taken by another user, and is found as theirs.
    const other = await b.users.create(userDraft({ email: 'keyed@cache.test' }));
    expect((await a.users.findByEmail('keyed@cache.test'))?.id).toBe(other.id);
  });

  it('remembers that no document holds a key value, until a write through either instance gives one that value', async () => {
    const before = databaseReads('users');
    expect(await a.users.findByEmail('nobody-yet@cache.test')).toBeUndefined();
    expect(await a.users.findByEmail('nobody-yet@cache.test')).toBeUndefined();
    expect(databaseReads('users') - before).toBe(1);
    const created = await b.users.create(userDraft({ email: 'nobody-yet@cache.test' }));
    expect((await a.users.findByEmail('nobody-yet@cache.test'))?.id).toBe(created.id);

    // A value gained by an update, and one in an array key (an organisation's verified domains).
    expect(await a.users.findByEmail('renamed-later@cache.test')).toBeUndefined();
    await b.users.update(created.id, { email: 'renamed-later@cache.test' });
    expect((await a.users.findByEmail('renamed-later@cache.test'))?.id).toBe(created.id);
    expect(await a.users.findByEmail('nobody-yet@cache.test')).toBeUndefined();
    const org = await a.organizations.create(orgDraft({ domains: [] }));
    expect(await a.organizations.findByVerifiedDomain('verified-later.test')).toBeUndefined();
    await b.organizations.update(org.id, { domains: [{ domain: 'verified-later.test', verified: true }] });
    expect((await a.organizations.findByVerifiedDomain('verified-later.test'))?.id).toBe(org.id);
  });

  it('lists by ids (a user\'s memberships) from memory, with the other conditions applied', async () => {
    const org = await a.organizations.create(orgDraft());
    const user = await a.users.create(userDraft());
    const admin = await a.memberships.create(membershipDraft(org.id, user.id, { roles: [{ role: 'org_admin' }] }));
    const other = await a.organizations.create(orgDraft());
    await a.memberships.create(membershipDraft(other.id, user.id));
    expect((await a.memberships.list({ where: { userId: user.id } })).items).toHaveLength(2);
    const before = databaseReads('memberships');
    const inOrg = await a.memberships.list({ where: { userId: user.id, orgId: org.id } });
    expect(inOrg.items).toEqual([admin]);
    expect(databaseReads('memberships') - before).toBe(0);

    await b.memberships.delete(admin.id);
    expect((await a.memberships.list({ where: { userId: user.id, orgId: org.id } })).items).toEqual([]);
  });

  it('lists within an organisation from memory, and sees every change by the other instance at once', async () => {
    const org = await a.organizations.create(orgDraft());
    const first = await a.connections.create(connectionDraft(org.id, { name: 'First', enabled: true }));
    const enabled = { where: { orgId: org.id, enabled: true } };
    expect((await a.connections.list(enabled)).items.map((c) => c.id)).toEqual([first.id]);
    const before = databaseReads('connections');
    expect((await a.connections.list(enabled)).items.map((c) => c.id)).toEqual([first.id]);
    expect(databaseReads('connections') - before).toBe(0);

    const second = await b.connections.create(connectionDraft(org.id, { name: 'Second', enabled: true }));
    expect((await a.connections.list(enabled)).items.map((c) => c.id)).toEqual([first.id, second.id]);
    await b.connections.update(first.id, { enabled: false });
    expect((await a.connections.list(enabled)).items.map((c) => c.id)).toEqual([second.id]);
    await b.connections.delete(second.id);
    expect((await a.connections.list(enabled)).items).toEqual([]);

    // Another organisation's writes leave this one's lists alone, and the other way round.
    const elsewhere = await a.organizations.create(orgDraft());
    const groups = { where: { orgId: org.id } };
    const group = await a.groups.create(groupDraft(org.id));
    expect((await a.groups.list(groups)).items).toEqual([group]);
    await b.groups.create(groupDraft(elsewhere.id));
    const quiet = databaseReads('groups');
    expect((await a.groups.list(groups)).items).toEqual([group]);
    expect(databaseReads('groups') - quiet).toBe(0);
  });

  it('asks Redis for a generation once per request, and sees the request\'s own writes', async () => {
    const kv = space.open();
    kvs.push(kv);
    let generationReads = 0;
    const counting: KvStore = { ...kv, get: (key) => (generationReads++, kv.get(key)) };
    const mongo = await createMongoBackend({ url: db.url, dbName: db.dbName, serverSelectionTimeoutMS: 5_000 });
    const c = withRequestCache(await createStores(withGenerationCache(mongo, { kv: counting, maxAgeMs: MAX_AGE_MS })));
    const user = await c.users.create(userDraft({ name: 'Before' }));
    await requestCache()({} as never, async () => {
      generationReads = 0;
      await c.users.get(user.id);
      await c.users.find(user.id); // another call: the request cache does not answer it, the memo does
      expect(generationReads).toBe(1);
      await c.users.update(user.id, { name: 'Within' });
      expect((await c.users.get(user.id)).name).toBe('Within');
    });
    // A new request reads the generation again, and so sees another instance's write.
    await b.users.update(user.id, { name: 'Elsewhere' });
    await requestCache()({} as never, async () => {
      expect((await c.users.get(user.id)).name).toBe('Elsewhere');
    });
    await c.close();
  });

  it('shares what it keeps frozen: changing what a read returned fails and changes nothing kept', async () => {
    const user = await a.users.create(userDraft({ name: 'Original' }));
    const read = await a.users.get(user.id);
    expect(() => { (read as { name: string }).name = 'Scribbled'; }).toThrow(TypeError);
    expect(() => Object.defineProperty(read, 'extra', { value: 1 })).toThrow(TypeError);
    expect((await a.users.get(user.id)).name).toBe('Original');
  });

  it('sees an edit made in the database itself after at most the maximum age', async () => {
    const user = await a.users.create(userDraft({ name: 'Kept' }));
    await a.users.get(user.id);
    await outside.users.update(user.id, { name: 'Edited outside' });
    clock += MAX_AGE_MS - 1;
    expect((await a.users.get(user.id)).name).toBe('Kept'); // the documented bound, not a wish
    clock += 1;
    expect((await a.users.get(user.id)).name).toBe('Edited outside');
  });

  it('reads the database again when Redis has lost the generations (restart, eviction)', async () => {
    const user = await a.users.create(userDraft({ name: 'Kept' }));
    await a.users.get(user.id);
    await outside.users.update(user.id, { name: 'Changed while Redis restarted' });
    await space.cleanup(); // every key of this test's prefix gone, as after a restart without persistence
    expect((await a.users.get(user.id)).name).toBe('Changed while Redis restarted');
  });

  it('updates a document whose kept copy is behind (the lost race is retried on the database)', async () => {
    const user = await a.users.create(userDraft({ name: 'One' }));
    await a.users.get(user.id);
    const edited = await outside.users.update(user.id, { name: 'Two' });
    const updated = await a.users.update(user.id, (current) => ({ name: `${current.name} and three` }));
    expect(updated).toMatchObject({ name: 'Two and three', version: edited.version + 1 });
    expect((await b.users.get(user.id)).name).toBe('Two and three');
  });
});
