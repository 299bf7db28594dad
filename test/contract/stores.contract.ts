import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Entity, Repository } from '../../src/common/entity.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../src/common/errors.ts';
import type { StorageBackend } from '../../src/store/collection.ts';
import { createStores, type Stores } from '../../src/store/stores.ts';
import * as sample from '../support/samples.ts';

export type BackendFactory = () => Promise<{ backend: StorageBackend; cleanup: () => Promise<void> }>;

/*
 * The contract every storage backend honours, run once per backend (the backend's own test file is only a
 * factory). Written against the ports, so it says what the rest of the product may rely on.
 */
export function runStoreContract(name: string, factory: BackendFactory): void {
  describe(`store contract: ${name}`, () => {
    let stores: Stores;
    let cleanup: () => Promise<void>;
    let setupError: unknown;

    // vitest reports the tests of a failed beforeAll as skipped; a backend that cannot start must fail them.
    beforeAll(async () => {
      try {
        const made = await factory();
        cleanup = made.cleanup;
        stores = await createStores(made.backend);
      } catch (error) {
        setupError = error;
      }
    });
    beforeEach(() => {
      if (setupError) throw setupError;
    });
    afterAll(async () => {
      await stores?.close();
      await cleanup?.();
    });

    it('answers ping', async () => {
      await expect(stores.ping()).resolves.toBeUndefined();
    });

    // Generic CRUD, once per port: a draft, then a change that must land.
    const ports: [string, (s: Stores) => Promise<[Repository<Entity>, object, object]>][] = [
      ['organizations', async (s) => [s.organizations, sample.orgDraft(), { name: 'Renamed' }]],
      ['users', async (s) => [s.users, sample.userDraft(), { name: 'Grace Hopper', mfaOptIn: true }]],
      ['memberships', async (s) => {
        const org = await s.organizations.create(sample.orgDraft());
        const user = await s.users.create(sample.userDraft());
        return [s.memberships, sample.membershipDraft(org.id, user.id), { status: 'suspended' }];
      }],
      ['groups', async (s) => [s.groups, sample.groupDraft('org1'), { description: 'Image editors' }]],
      ['connections', async (s) => [s.connections, sample.connectionDraft('org1'), { enabled: true }]],
      ['clients', async (s) => [s.clients, sample.clientDraft(), { redirectUris: ['https://b.example/cb'] }]],
      ['signingKeys', async (s) => [s.signingKeys, sample.signingKeyDraft(), { status: 'active', activatedAt: new Date().toISOString() }]],
      ['invitations', async (s) => [s.invitations, sample.invitationDraft('org1'), { status: 'revoked' }]],
      ['apiKeys', async (s) => [s.apiKeys, sample.apiKeyDraft('org1'), { lastUsedAt: new Date().toISOString() }]],
    ];

    describe.each(ports)('%s', (_port, make) => {
      it('creates, reads back exactly, updates, lists and deletes', async () => {
        const [repo, draft, patch] = await make(stores);
        const created = await repo.create(draft as never);
        expect(created).toMatchObject(draft);
        expect(created.id).toEqual(expect.any(String));
        expect(created.version).toBe(1);
        expect(await repo.get(created.id)).toEqual(created);

        const updated = await repo.update(created.id, patch as never);
        expect(updated).toMatchObject(patch);
        expect(updated.version).toBe(2);
        expect(updated.createdAt).toBe(created.createdAt);
        expect(await repo.get(created.id)).toEqual(updated);
        expect((await repo.list({ where: { id: created.id } })).items).toEqual([updated]);

        await repo.delete(created.id);
        expect(await repo.find(created.id)).toBeUndefined();
        await expect(repo.get(created.id)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('answers NotFound for unknown ids on get, update and delete', async () => {
        const [repo] = await make(stores);
        await expect(repo.get('missing')).rejects.toBeInstanceOf(NotFoundError);
        await expect(repo.update('missing', {})).rejects.toBeInstanceOf(NotFoundError);
        await expect(repo.delete('missing')).rejects.toBeInstanceOf(NotFoundError);
      });

      it('refuses a second object with the same id', async () => {
        const [repo, draft] = await make(stores);
        const created = await repo.create(draft as never);
        await expect(repo.create({ ...draft, id: created.id } as never)).rejects.toBeInstanceOf(ConflictError);
      });
    });

    it('keeps timestamps, null values and nested objects intact', async () => {
      const draft = sample.orgDraft({
        domains: [{ domain: 'acme.test', verified: false, verificationToken: 'tok' }],
        limits: { maxUsers: null, maxGroups: 7 },
      });
      const org = await stores.organizations.create(draft);
      expect(await stores.organizations.get(org.id)).toEqual({ ...draft, id: org.id, createdAt: org.createdAt, updatedAt: org.updatedAt, version: 1 });
      expect(Date.parse(org.createdAt)).not.toBeNaN();
    });

    it('loses no write when 20 updates race on one object', async () => {
      const org = await stores.organizations.create(sample.orgDraft());
      const user = await stores.users.create(sample.userDraft());
      const membership = await stores.memberships.create(sample.membershipDraft(org.id, user.id, { groupIds: [] }));
      const ids = Array.from({ length: 20 }, (_, i) => `g${i}`);
      await Promise.all(ids.map((groupId) =>
        stores.memberships.update(membership.id, (current) => ({ groupIds: [...current.groupIds, groupId] }))));
      const final = await stores.memberships.get(membership.id);
      expect([...final.groupIds].sort()).toEqual([...ids].sort());
      expect(final.version).toBe(21);
    });

    describe('pagination', () => {
      it('walks every object once, in creation order, with opaque cursors', async () => {
        const orgId = `org-page-${Date.now()}`;
        const created = [];
        for (let i = 0; i < 7; i++) created.push(await stores.groups.create(sample.groupDraft(orgId)));
        const seen: string[] = [];
        let cursor: string | undefined;
        const sizes: number[] = [];
        do {
          const page = await stores.groups.list({ where: { orgId }, limit: 3, ...(cursor ? { cursor } : {}) });
          sizes.push(page.items.length);
          seen.push(...page.items.map((g) => g.id));
          cursor = page.next;
        } while (cursor);
        expect(sizes).toEqual([3, 3, 1]);
        expect(seen).toEqual(created.map((g) => g.id));
      });

      it('has no next cursor when the last page is exactly full', async () => {
        const orgId = `org-full-${Date.now()}`;
        for (let i = 0; i < 2; i++) await stores.groups.create(sample.groupDraft(orgId));
        const page = await stores.groups.list({ where: { orgId }, limit: 2 });
        expect(page.items).toHaveLength(2);
        expect(page.next).toBeUndefined();
      });

      it('rejects malformed cursors and out-of-range limits', async () => {
        await expect(stores.groups.list({ cursor: '%%%' })).rejects.toBeInstanceOf(ValidationError);
        await expect(stores.groups.list({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
        await expect(stores.groups.list({ limit: 501 })).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe('filters', () => {
      it('supports equality, $in, $contains, ranges and null', async () => {
        const orgId = `org-filter-${Date.now()}`;
        const [a, b, c] = await Promise.all([
          stores.memberships.create(sample.membershipDraft(orgId, 'u-a', { status: 'active', groupIds: ['g1', 'g2'] })),
          stores.memberships.create(sample.membershipDraft(orgId, 'u-b', { status: 'invited', groupIds: ['g2'] })),
          stores.memberships.create(sample.membershipDraft(orgId, 'u-c', { status: 'suspended', groupIds: [] })),
        ]);
        const ids = async (where: object) =>
          (await stores.memberships.list({ where: { orgId, ...where } })).items.map((m) => m.id).sort();
        expect(await ids({ status: 'active' })).toEqual([a!.id]);
        expect(await ids({ status: { $in: ['active', 'invited'] } })).toEqual([a!.id, b!.id].sort());
        expect(await ids({ status: { $in: [] } })).toEqual([]);
        expect(await ids({ groupIds: { $contains: 'g2' } })).toEqual([a!.id, b!.id].sort());
        expect(await ids({ groupIds: { $contains: 'g1' } })).toEqual([a!.id]);
        expect(await ids({ userId: { $gte: 'u-b', $lt: 'u-c' } })).toEqual([b!.id]);
        expect(await stores.memberships.count({ orgId })).toBe(3);
        expect(await stores.memberships.count({ orgId, status: 'suspended' })).toBe(1);
        expect(c).toBeDefined();

        const user = await stores.users.create(sample.userDraft({ lastLoginAt: null, mfaOptIn: true }));
        expect((await stores.users.findOne({ id: user.id, lastLoginAt: null }))?.id).toBe(user.id);
        expect((await stores.users.findOne({ id: user.id, mfaOptIn: true }))?.id).toBe(user.id);
        expect(await stores.users.findOne({ id: user.id, mfaOptIn: false })).toBeUndefined();
      });

      it('lists a user\'s memberships exactly, across organisations, after removals', async () => {
        const userId = `u-index-${Date.now()}`;
        const made = await Promise.all(['org-x1', 'org-x2', 'org-x3'].map((orgId) => stores.memberships.create(sample.membershipDraft(orgId, userId))));
        await stores.memberships.create(sample.membershipDraft('org-x1', `${userId}-other`));
        const ids = async (where: object = {}) => (await stores.memberships.list({ where: { userId, ...where } })).items.map((m) => m.id).sort();
        expect(await ids()).toEqual(made.map((m) => m.id).sort());
        await stores.memberships.delete(made[1]!.id);
        expect(await ids()).toEqual([made[0]!.id, made[2]!.id].sort());
        await stores.memberships.update(made[0]!.id, { status: 'suspended' });
        expect(await ids({ status: 'active' })).toEqual([made[2]!.id]);
        // Twenty created at once for one user: none is missing from the list.
        const burst = `u-burst-${Date.now()}`;
        const many = await Promise.all(Array.from({ length: 20 }, (_, i) => stores.memberships.create(sample.membershipDraft(`org-b${i}`, burst))));
        expect((await stores.memberships.list({ where: { userId: burst }, limit: 100 })).items.map((m) => m.id).sort()).toEqual(many.map((m) => m.id).sort());
      });

      it('lists a few ids with $in together with other conditions, in id order, after a cursor and within a limit', async () => {
        const orgId = `org-in-${Date.now()}`;
        const made = await Promise.all(['u-1', 'u-2', 'u-3', 'u-4'].map((userId, i) =>
          stores.memberships.create(sample.membershipDraft(orgId, userId, { status: i === 2 ? 'suspended' : 'active' }))));
        const sorted = made.map((m) => m.id).sort();
        const wanted = [...sorted, 'no-such-id'];
        const page = await stores.memberships.list({ where: { orgId, status: 'active', id: { $in: wanted } }, limit: 2 });
        const active = made.filter((m) => m.status === 'active').map((m) => m.id).sort();
        expect(page.items.map((m) => m.id)).toEqual(active.slice(0, 2));
        const rest = await stores.memberships.list({ where: { orgId, status: 'active', id: { $in: wanted } }, limit: 2, cursor: page.next! });
        expect(rest.items.map((m) => m.id)).toEqual(active.slice(2));
        expect((await stores.memberships.list({ where: { orgId: 'other-org', id: { $in: sorted } } })).items).toEqual([]);
      });
    });

    describe('unique keys', () => {
      it('users: email is unique ignoring case and Unicode form, and found the same way', async () => {
        const user = await stores.users.create(sample.userDraft({ email: 'Zoë.Jones@Example.com' }));
        const decomposed = 'zoe\u0308.jones@example.COM';
        expect((await stores.users.findByEmail(decomposed))?.id).toBe(user.id);
        await expect(stores.users.create(sample.userDraft({ email: ' zoë.jones@example.com ' })))
          .rejects.toBeInstanceOf(ConflictError);
        expect(await stores.users.findByEmail('nobody@example.com')).toBeUndefined();
      });

      it('organizations: slug unique case-insensitively', async () => {
        const org = await stores.organizations.create(sample.orgDraft({ slug: `Acme-${Date.now()}` }));
        expect((await stores.organizations.findBySlug(org.slug.toLowerCase()))?.id).toBe(org.id);
        await expect(stores.organizations.create(sample.orgDraft({ slug: org.slug.toUpperCase() })))
          .rejects.toMatchObject({ code: 'conflict', key: 'slug' });
      });

      it('organizations: a verified domain belongs to one organisation; unverified ones do not conflict', async () => {
        const domain = `d${Date.now()}.example`;
        const unverified = [{ domain, verified: false }];
        const first = await stores.organizations.create(sample.orgDraft({ domains: unverified }));
        const second = await stores.organizations.create(sample.orgDraft({ domains: unverified }));
        await stores.organizations.create(sample.orgDraft()); // no domains at all: no conflict either
        await stores.organizations.create(sample.orgDraft());
        expect(await stores.organizations.findByVerifiedDomain(domain)).toBeUndefined();

        await stores.organizations.update(first.id, { domains: [{ domain, verified: true }] });
        expect((await stores.organizations.findByVerifiedDomain(domain.toUpperCase()))?.id).toBe(first.id);
        await expect(stores.organizations.update(second.id, { domains: [{ domain, verified: true }] }))
          .rejects.toBeInstanceOf(ConflictError);
        expect((await stores.organizations.get(second.id)).domains).toEqual(unverified);

        await stores.organizations.update(first.id, { domains: [] });
        expect(await stores.organizations.findByVerifiedDomain(domain)).toBeUndefined();
        await stores.organizations.update(second.id, { domains: [{ domain, verified: true }] });
        expect((await stores.organizations.findByVerifiedDomain(domain))?.id).toBe(second.id);
      });

      it('organizations: of two organisations verifying one domain at the same moment, exactly one wins', async () => {
        const domain = `race${Date.now()}.example`;
        const [x, y] = await Promise.all([stores.organizations.create(sample.orgDraft()), stores.organizations.create(sample.orgDraft())]);
        const results = await Promise.allSettled([x!, y!].map((org) =>
          stores.organizations.update(org.id, { domains: [{ domain, verified: true }] })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const winner = results[0]!.status === 'fulfilled' ? x! : y!;
        expect((await stores.organizations.findByVerifiedDomain(domain))?.id).toBe(winner.id);
      });

      it('groups: name unique per organisation case-insensitively, free in another organisation', async () => {
        const group = await stores.groups.create(sample.groupDraft('org-a', { name: 'Image  Editors' }));
        await expect(stores.groups.create(sample.groupDraft('org-a', { name: 'image editors' })))
          .rejects.toBeInstanceOf(ConflictError);
        await stores.groups.create(sample.groupDraft('org-b', { name: 'IMAGE EDITORS' }));
        expect((await stores.groups.findByName('org-a', 'IMAGE editors'))?.id).toBe(group.id);
        expect(await stores.groups.findByName('org-c', 'Image Editors')).toBeUndefined();
      });

      it('a renamed object frees its old key and a change onto a taken key changes nothing', async () => {
        const a = await stores.groups.create(sample.groupDraft('org-r', { name: 'Alpha' }));
        const b = await stores.groups.create(sample.groupDraft('org-r', { name: 'Beta' }));
        await expect(stores.groups.update(b.id, { name: 'ALPHA' })).rejects.toBeInstanceOf(ConflictError);
        expect(await stores.groups.get(b.id)).toEqual(b);
        await stores.groups.update(a.id, { name: 'Gamma' });
        await stores.groups.update(b.id, { name: 'alpha' });
        expect((await stores.groups.findByName('org-r', 'Alpha'))?.id).toBe(b.id);
        await stores.groups.delete(b.id);
        expect(await stores.groups.findByName('org-r', 'alpha')).toBeUndefined();
        await stores.groups.create(sample.groupDraft('org-r', { name: 'Alpha' }));
      });

      it('memberships: one per user and organisation', async () => {
        const m = await stores.memberships.create(sample.membershipDraft('org-m', 'user-m'));
        await expect(stores.memberships.create(sample.membershipDraft('org-m', 'user-m'))).rejects.toBeInstanceOf(ConflictError);
        await stores.memberships.create(sample.membershipDraft('org-n', 'user-m'));
        expect((await stores.memberships.findFor('org-m', 'user-m'))?.id).toBe(m.id);
        expect(await stores.memberships.findFor('org-x', 'user-m')).toBeUndefined();
      });

      it('invitations by token hash, API keys by prefix, both unique', async () => {
        const invitation = await stores.invitations.create(sample.invitationDraft('org-i'));
        expect((await stores.invitations.findByTokenHash(invitation.tokenHash))?.id).toBe(invitation.id);
        await expect(stores.invitations.create(sample.invitationDraft('org-i', { tokenHash: invitation.tokenHash })))
          .rejects.toBeInstanceOf(ConflictError);
        const key = await stores.apiKeys.create(sample.apiKeyDraft('org-i'));
        expect((await stores.apiKeys.findByPrefix(key.prefix))?.id).toBe(key.id);
        await expect(stores.apiKeys.create(sample.apiKeyDraft('org-j', { prefix: key.prefix }))).rejects.toBeInstanceOf(ConflictError);
      });

      it('federated identities by (connection, subject), exactly and uniquely', async () => {
        const draft = { connectionId: 'conn-f', orgId: 'org-f', subject: 'Ada@IdP', userId: 'user-f', lastSignInAt: new Date().toISOString() };
        const link = await stores.federatedIdentities.create(draft);
        expect((await stores.federatedIdentities.findBySubject('conn-f', 'Ada@IdP'))?.id).toBe(link.id);
        // A NameID compares exactly, and another connection's identical subject is another person.
        expect(await stores.federatedIdentities.findBySubject('conn-f', 'ada@idp')).toBeUndefined();
        expect(await stores.federatedIdentities.findBySubject('conn-g', 'Ada@IdP')).toBeUndefined();
        await expect(stores.federatedIdentities.create({ ...draft, userId: 'user-other' })).rejects.toBeInstanceOf(ConflictError);
        await stores.federatedIdentities.create({ ...draft, connectionId: 'conn-g' });
      });

      it('20 concurrent creations of one email: exactly one wins', async () => {
        const email = `race-${Date.now()}@example.com`;
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, () => stores.users.create(sample.userDraft({ email }))));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
      });
    });

    describe('audit log', () => {
      it('records events and lists them by organisation, action and time', async () => {
        const orgId = `org-audit-${Date.now()}`;
        const first = await stores.audit.record(sample.auditDraft({ orgId, action: 'user.invited', actor: 'user:1', details: { email: 'x' } }));
        const second = await stores.audit.record(sample.auditDraft({ orgId, action: 'signin.failed', outcome: 'failure' }));
        await stores.audit.record(sample.auditDraft({ orgId: 'other', action: 'user.invited' }));
        expect((await stores.audit.list({ where: { orgId } })).items).toEqual([first, second]);
        expect((await stores.audit.list({ where: { orgId, action: 'user.invited' } })).items).toEqual([first]);
        const since = await stores.audit.list({ where: { orgId, createdAt: { $gte: second.createdAt } } });
        expect(since.items.map((e) => e.id)).toContain(second.id);
      });

      it('stores every one of many events recorded at once, each once, before answering', async () => {
        const orgId = `org-burst-${Date.now()}`;
        const recorded = await Promise.all(Array.from({ length: 60 }, (_, i) =>
          stores.audit.record(sample.auditDraft({ orgId, action: 'signin.succeeded', details: { n: i } }))));
        expect(new Set(recorded.map((e) => e.id)).size).toBe(60);
        const listed = (await stores.audit.list({ where: { orgId }, limit: 100 })).items;
        expect(listed.map((e) => e.id).sort()).toEqual(recorded.map((e) => e.id).sort());
        expect(listed.map((e) => (e.details as { n: number }).n).sort((a, b) => a - b)).toEqual([...Array(60).keys()]);
      });
    });
  });
}
