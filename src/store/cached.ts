import type { Entity, Repository } from '../common/entity.ts';
import type { Stores } from './stores.ts';
import { deepFreeze } from '../common/frozen.ts';

/*
 * A short-lived cache of objects read by id, over any repository: for what every sign-in reads several times
 * and admins change rarely (relying apps, organisations, connections). Writes through this repository clear
 * their entry at once; writes by another instance show after at most `ttlMs`. Misses are not cached, so a
 * newly created object is seen at once everywhere. Entries are shared and frozen through (src/common/frozen.ts):
 * callers cannot change the cache.
 */
export function cachedById<T extends Entity, R extends Repository<T>>(repository: R, options: { ttlMs: number; maxEntries?: number; now?: () => number }): R {
  const now = options.now ?? (() => performance.now());
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, { value: T; until: number }>();
  const forget = (id: string) => entries.delete(id);

  async function find(id: string): Promise<T | undefined> {
    const hit = entries.get(id);
    if (hit && hit.until > now()) return hit.value;
    const value = await repository.find(id);
    if (value) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(id, { value: deepFreeze(value), until: now() + options.ttlMs });
    } else {
      forget(id);
    }
    return value;
  }

  return {
    ...repository,
    find,
    async get(id: string) {
      const found = await find(id);
      return found ?? repository.get(id);
    },
    async update(id: string, change: Parameters<R['update']>[1]) {
      forget(id);
      try {
        return await repository.update(id, change);
      } finally {
        forget(id);
      }
    },
    async delete(id: string) {
      forget(id);
      try {
        await repository.delete(id);
      } finally {
        forget(id);
      }
    },
  };
}

/** Stores whose relying apps and organisations are read through `cachedById` (the rest unchanged). */
export function withReadCache<S extends Pick<Stores, 'clients' | 'organizations'>>(stores: S, ttlMs: number): S {
  const organizations = cachedById(stores.organizations, { ttlMs });
  // A slug names the same organisation for good (it is its handle): remember which, read it through the cache.
  const bySlug = new Map<string, { id: string; until: number }>();
  async function findBySlug(slug: string) {
    const known = bySlug.get(slug);
    if (known && known.until > performance.now()) {
      const org = await organizations.find(known.id);
      if (org && org.slug.toLowerCase() === slug.toLowerCase()) return org;
    }
    const org = await stores.organizations.findBySlug(slug);
    if (org) bySlug.set(slug, { id: org.id, until: performance.now() + ttlMs });
    else bySlug.delete(slug);
    return org;
  }
  return { ...stores, clients: cachedById(stores.clients, { ttlMs }), organizations: { ...organizations, findBySlug } };
}
