import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, UnavailableError } from '../../src/common/errors.ts';
import { createMongoBackend } from '../../src/store/mongo/backend.ts';
import { createStores, type Stores } from '../../src/store/stores.ts';
import { orgDraft, userDraft } from '../support/samples.ts';
import { freshDatabase } from '../support/mongo-database.ts';
import { freePort } from '../support/services.ts';
import { runStoreContract } from './stores.contract.ts';

/*
 * The store contract on a real MongoDB-protocol server: FerretDB from the global set-up, a fresh database per
 * run, dropped afterwards. No server means the suite fails; it is never skipped.
 */

runStoreContract('mongodb (FerretDB)', async () => {
  const { url, dbName, drop } = freshDatabase();
  return { backend: await createMongoBackend({ url, dbName, serverSelectionTimeoutMS: 5_000 }), cleanup: drop };
});

/*
 * Without multi-document transactions a writer that dies between steps leaves a write claim or a key
 * reservation behind (src/store/mongo/claims.ts, array-keys.ts). These plant such leftovers directly.
 */
describe('mongodb backend: leftovers of a writer that died', () => {
  const LEASE_MS = 400;
  let stores: Stores;
  let raw: Connection;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = freshDatabase();
    drop = db.drop;
    stores = await createStores(await createMongoBackend({ url: db.url, dbName: db.dbName, leaseMs: LEASE_MS }));
    raw = await mongoose.createConnection(db.url, { dbName: db.dbName }).asPromise();
  });
  afterAll(async () => {
    await stores?.close();
    await raw?.close();
    await drop?.();
  });

  const plant = (collection: string, doc: Record<string, unknown>) =>
    raw.collection<{ _id: string }>(collection).insertOne(doc as { _id: string });

  it('a claim left on a version delays the next update by about one lease, then is cleared', async () => {
    const org = await stores.organizations.create(orgDraft());
    await plant('write_claims', { _id: `organizations/${org.id}/${org.createdAt}@1#0` });
    const started = performance.now();
    const updated = await stores.organizations.update(org.id, { name: 'After a crash' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(LEASE_MS * 0.9);
    expect(updated.version).toBe(2);
    expect(await raw.collection('write_claims').countDocuments()).toBe(0);
  });

  it('a reservation whose document never got written is taken over after a lease', async () => {
    const domain = `crashed-${randomBytes(4).toString('hex')}.example`;
    await plant('unique_keys', { _id: `organizations/verifiedDomain/${domain}`, docId: 'never-written', token: 'left-over' });
    expect(await stores.organizations.findByVerifiedDomain(domain)).toBeUndefined();

    const org = await stores.organizations.create(orgDraft({ domains: [{ domain, verified: true }] }));
    expect((await stores.organizations.findByVerifiedDomain(domain))?.id).toBe(org.id);
  });

  it('a reservation whose document holds the value conflicts at once', async () => {
    const domain = `held-${randomBytes(4).toString('hex')}.example`;
    await stores.organizations.create(orgDraft({ domains: [{ domain, verified: true }] }));
    const started = performance.now();
    await expect(stores.organizations.create(orgDraft({ domains: [{ domain, verified: true }] })))
      .rejects.toMatchObject({ code: 'conflict', key: 'verifiedDomain' });
    expect(performance.now() - started).toBeLessThan(LEASE_MS);
  });

  it('a leftover reservation naming the document itself does not make it wait', async () => {
    const domain = `own-${randomBytes(4).toString('hex')}.example`;
    const org = await stores.organizations.create(orgDraft({ domains: [{ domain, verified: false }] }));
    await plant('unique_keys', { _id: `organizations/verifiedDomain/${domain}`, docId: org.id, token: 'left-over' });
    const started = performance.now();
    await stores.organizations.update(org.id, { domains: [{ domain, verified: true }] });
    expect(performance.now() - started).toBeLessThan(LEASE_MS);
    expect((await stores.organizations.findByVerifiedDomain(domain))?.id).toBe(org.id);
  });

  it('refuses fields the schema does not know and filters it cannot express', async () => {
    await expect(stores.users.create({ ...userDraft(), nickname: 'x' } as never)).rejects.toThrow(/nickname/);
    await expect(stores.users.list({ where: { status: { $ne: 'active' } as never } })).rejects.toThrow(/\$ne/);
    await expect(stores.users.list({ where: { status: { $in: [{ $gt: '' }] } as never } })).rejects.toThrow(/type object/);
  });
});

describe('mongodb backend: unreachable server', () => {
  it('answers UnavailableError when it cannot connect', async () => {
    const url = `mongodb://127.0.0.1:${await freePort()}/`;
    await expect(createMongoBackend({ url, dbName: 'none', serverSelectionTimeoutMS: 500 }))
      .rejects.toBeInstanceOf(UnavailableError);
  });

  it('answers UnavailableError once closed', async () => {
    const { url, dbName, drop } = freshDatabase();
    const stores = await createStores(await createMongoBackend({ url, dbName }));
    await stores.close();
    await expect(stores.ping()).rejects.toBeInstanceOf(UnavailableError);
    await expect(stores.users.find('any')).rejects.toBeInstanceOf(UnavailableError);
    await drop();
  });
});

describe('mongodb backend: data of releases that kept unique keys in indexes', () => {
  it('is found by key after the start-up migration, and its old unique index no longer blocks new documents', async () => {
    const db = freshDatabase();
    const raw = await mongoose.createConnection(db.url, { dbName: db.dbName }).asPromise();
    let stores: Stores | undefined;
    try {
      const users = raw.collection<{ _id: string }>('users');
      await users.createIndex({ '_keys.email': 1 }, { unique: true, name: 'unique_email' });
      const now = new Date().toISOString();
      await users.insertOne({
        _id: 'legacy-user', email: 'Legacy@Example.com', name: 'Legacy', passwordHash: null, emailVerified: true, mfaOptIn: false,
        status: 'active', lastLoginAt: null, createdAt: now, updatedAt: now, version: 1, _keys: { email: 'legacy@example.com' },
      } as { _id: string });

      await raw.collection<{ _id: string }>('memberships').insertOne({
        _id: 'legacy-membership', orgId: 'legacy-org', userId: 'legacy-user', roles: [], groupIds: [], status: 'active', source: 'invite',
        loginMethods: [], createdAt: now, updatedAt: now, version: 1, _keys: { orgUser: 'legacy-org/legacy-user' },
      } as { _id: string });

      stores = await createStores(await createMongoBackend({ url: db.url, dbName: db.dbName }));
      expect((await stores.users.findByEmail('LEGACY@example.com'))?.id).toBe('legacy-user');
      // Memberships from before the by-user index are still listed for their user, and new ones join them.
      expect((await stores.memberships.list({ where: { userId: 'legacy-user' } })).items.map((m) => m.id)).toEqual(['legacy-membership']);
      const added = await stores.memberships.create({ orgId: 'other-org', userId: 'legacy-user', roles: [], groupIds: [], status: 'active', source: 'invite', loginMethods: [] });
      expect((await stores.memberships.list({ where: { userId: 'legacy-user' } })).items.map((m) => m.id).sort()).toEqual(['legacy-membership', added.id].sort());
      await expect(stores.users.create(userDraft({ email: 'legacy@example.com' }))).rejects.toBeInstanceOf(ConflictError);
      // Two new users: the dropped index (documents without `_keys`) would have refused the second.
      await stores.users.create(userDraft({ email: 'new-one@example.com' }));
      await stores.users.create(userDraft({ email: 'new-two@example.com' }));
      expect(await users.indexes()).not.toEqual(expect.arrayContaining([expect.objectContaining({ name: 'unique_email' })]));
    } finally {
      await stores?.close();
      await raw.close();
      await db.drop();
    }
  });
});
