import { expect } from 'vitest';
import type { Draft } from '../../../src/common/entity.ts';
import { AppError } from '../../../src/common/errors.ts';
import type { KvStore } from '../../../src/common/kv.ts';
import type { Actor } from '../../../src/directory/actor.ts';
import type { Catalog } from '../../../src/directory/catalog.ts';
import { defaultCatalog } from '../../../src/directory/default-catalog.ts';
import { createDirectory, type Directory } from '../../../src/directory/directory.ts';
import type { Membership, Organization, RoleBinding, User } from '../../../src/directory/model.ts';
import { createEmbeddedBackend } from '../../../src/store/embedded/backend.ts';
import { createMemoryKv } from '../../../src/store/kv/memory.ts';
import { createStores, type Stores } from '../../../src/store/stores.ts';
import { membershipDraft, orgDraft, userDraft } from '../../support/samples.ts';

/*
 * A directory over an in-memory embedded store and memory KV, with one clock for all of them that tests move
 * forward, and helpers to seat people in organisations and act as them.
 */

export interface World {
  stores: Stores;
  kv: KvStore;
  directory: Directory;
  /** Moves the shared clock forward. */
  advance(ms: number): void;
  now(): Date;
  org(overrides?: Partial<Draft<Organization>>): Promise<Organization>;
  /** A user with an active membership holding `roles` (default: developer). */
  member(org: Organization, roles?: RoleBinding[], options?: { user?: Partial<Draft<User>>; membership?: Partial<Draft<Membership>> }): Promise<{ user: User; membership: Membership }>;
  /** The actor of a user's membership, as the admin API builds it. */
  actorOf(org: Organization, user: User): Promise<Actor>;
  /** A user holding `roles` in `org`, and their actor. */
  actor(org: Organization, roles: RoleBinding[]): Promise<{ user: User; actor: Actor }>;
}

export const roles = (...ids: string[]): RoleBinding[] => ids.map((role) => ({ role }));

/** A fast stand-in hasher for tests that do not exercise argon2 itself; counts verifications. */
export function countingHasher() {
  const calls = { hash: 0, verify: 0 };
  return {
    calls,
    hasher: {
      async hash(plain: string) {
        calls.hash++;
        return `plain$${plain}`;
      },
      async verify(hash: string, plain: string) {
        calls.verify++;
        return hash === `plain$${plain}`;
      },
    },
  };
}

type DirectoryDeps = Parameters<typeof createDirectory>[0];

export async function createWorld(options: { passwords?: DirectoryDeps['passwords']; catalog?: Catalog } = {}): Promise<World> {
  let time = Date.parse('2026-03-02T09:00:00.000Z');
  const now = () => new Date(time);
  const stores = await createStores(createEmbeddedBackend({ memory: true }), now);
  const kv = createMemoryKv({ now: () => time });
  const directory = createDirectory({ stores, kv, catalog: options.catalog ?? defaultCatalog, now, ...(options.passwords ? { passwords: options.passwords } : {}) });

  async function actorOf(org: Organization, user: User): Promise<Actor> {
    const actor = await directory.access.buildActor({ kind: 'user', id: user.id, orgId: org.id, requestId: 'req-1', ip: '203.0.113.7' });
    if (!actor) throw new Error('no actor');
    return actor;
  }

  async function member(org: Organization, bindings: RoleBinding[] = roles('developer'), overrides: { user?: Partial<Draft<User>>; membership?: Partial<Draft<Membership>> } = {}) {
    const user = await stores.users.create(userDraft(overrides.user));
    const membership = await stores.memberships.create(membershipDraft(org.id, user.id, { roles: bindings, ...overrides.membership }));
    return { user, membership };
  }

  return {
    stores,
    kv,
    directory,
    advance(ms) {
      time += ms;
    },
    now,
    org: (overrides) => stores.organizations.create(orgDraft(overrides)),
    member,
    actorOf,
    async actor(org, bindings) {
      const { user } = await member(org, bindings);
      return { user, actor: await actorOf(org, user) };
    },
  };
}

/** Asserts that `promise` rejects with an AppError of this code (and status, when given). */
export async function expectCode(promise: Promise<unknown>, code: string, status?: number): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, `expected an error with code ${code}`).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  if (status !== undefined) expect((error as AppError).status).toBe(status);
  return error as AppError;
}
