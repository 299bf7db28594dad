import { randomBytes } from 'node:crypto';
import type { Entity, Where } from '../common/entity.ts';
import type { KvStore } from '../common/kv.ts';
import { mapCollections, type CollectionSpec, type DocumentCollection, type StorageBackend } from './collection.ts';
import { forgetInRequest, onceInRequest } from './request-cache.ts';
import { matchesWhere } from './where.ts';
import { deepFreeze } from '../common/frozen.ts';

/*
 * Directory reads kept in process memory and checked against a generation in the KV store (Redis) on every
 * read: one Redis GET instead of a database read, and never stale.
 *
 * - Every write through any instance (server or CLI) gives the document a new random generation after the
 *   database write returns. A reader takes the generation before reading the database and keeps the document
 *   under it, so a kept document is at least as new as every write whose generation it saw; any later write
 *   changes the generation and the next read goes to the database.
 * - Generations are random, never counters: after Redis loses keys (restart, eviction, expiry) a generation
 *   is absent or new, never an old one again, so nothing kept before matches.
 * - A writer that bypasses Bridgekeeper (an edit in the database itself), or one that died between its write
 *   and the new generation, is seen after at most `maxAgeMs`: no document is kept longer.
 * - What is kept: documents read by id (and lists of a few ids); which document holds a unique key value (it
 *   must still hold it when read by id), and which values no document holds, under the value's generation;
 *   lists within one organisation, under the organisation's generation in that collection. Every other
 *   query goes to the database.
 * - Callers get what is kept itself, frozen through (src/common/frozen.ts): nothing they do changes it, and
 *   no read pays for a copy.
 */

export interface GenerationCacheOptions {
  kv: KvStore;
  /** Longest a document is served from memory without being read again from the database. */
  maxAgeMs: number;
  /** Documents kept per collection; the least recently used go first. */
  maxEntries?: number;
  /** Collections read straight from the database (append-only ones: nothing there is read twice). */
  uncached?: readonly string[];
  now?: () => number;
}

/** Generations outlive any kept document by far; one that expired only means one more database read. */
const GENERATION_TTL_SECONDS = 24 * 60 * 60;
/** Lists by id (the membership index) are served from memory up to this many ids. */
const FEW_IDS = 50;

export function withGenerationCache(backend: StorageBackend, options: GenerationCacheOptions): StorageBackend {
  const uncached = new Set(options.uncached ?? []);
  return mapCollections(backend, (inner, spec) => (uncached.has(spec.name) ? inner : cachedCollection(spec, inner, options)));
}

interface Kept<V> {
  generation: string;
  value: V;
  keptAt: number;
}

/** What is kept under generations, least recently used first; frozen when kept, shared by every reader. */
class KeptValues<V> {
  private readonly entries = new Map<string, Kept<V>>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(maxEntries: number, maxAgeMs: number, now: () => number) {
    this.maxEntries = maxEntries;
    this.maxAgeMs = maxAgeMs;
    this.now = now;
  }

  /** The value kept under `generation`, unless it changed or is too old. */
  read(slot: string, generation: string | undefined): V | undefined {
    const entry = this.entries.get(slot);
    if (!entry || generation === undefined || entry.generation !== generation || this.now() - entry.keptAt >= this.maxAgeMs) return undefined;
    this.entries.delete(slot);
    this.entries.set(slot, entry);
    return entry.value;
  }

  peek(slot: string): V | undefined {
    return this.entries.get(slot)?.value;
  }

  /** Keeps `value` itself, frozen: the caller that read it gets it frozen too. */
  keep(slot: string, generation: string | undefined, value: V): void {
    this.entries.delete(slot);
    deepFreeze(value);
    if (generation === undefined) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(slot, { generation, value, keptAt: this.now() });
  }

  forget(slot: string): void {
    this.entries.delete(slot);
  }
}

function cachedCollection<T extends Entity>(spec: CollectionSpec<T>, inner: DocumentCollection<T>, options: GenerationCacheOptions): DocumentCollection<T> {
  const { kv, maxAgeMs } = options;
  const maxEntries = options.maxEntries ?? 20_000;
  const now = options.now ?? (() => performance.now());
  const kept = new KeptValues<T>(maxEntries, maxAgeMs, now);
  /** `key \0 value` -> id of the document that held it when last read. */
  const idsByKey = new Map<string, string>();
  /*
   * Lists within one organisation (its connections, groups, members), under a generation of their own that
   * every write to a document of that organisation renews. A document never moves to another organisation;
   * where a kept copy says otherwise, both organisations' lists are renewed anyway.
   */
  const byOrganization = spec.indexed.includes('orgId' as keyof T & string);
  const lists = new KeptValues<T[]>(Math.ceil(maxEntries / 10), maxAgeMs, now);
  /** Key values no document held when last asked, under the value's own generation. */
  const absent = new KeptValues<true>(maxEntries, maxAgeMs, now);
  const documentGeneration = (id: string) => `gen:${spec.name}:${id}`;
  const keyGeneration = (slot: string) => `genkey:${spec.name}:${slot.replace('\0', ':')}`;
  const listGeneration = (orgId: string) => `genlist:${spec.name}:${orgId}`;
  const orgOf = (doc: T | undefined) => {
    const orgId = (doc as { orgId?: unknown } | undefined)?.orgId;
    return typeof orgId === 'string' ? orgId : undefined;
  };

  /*
   * Within one request a generation is read once: the request works on what it read first, as it does for
   * the documents themselves (request-cache.ts), and sees its own writes (they clear the memo).
   */
  const currentGeneration = (key: string) => onceInRequest(`generation\0${key}`, () => readGeneration(key));

  async function readGeneration(key: string): Promise<string | undefined> {
    const generation = await kv.get<string>(key);
    if (generation !== undefined) return generation;
    const fresh = newGeneration();
    if (await kv.setIfAbsent(key, fresh, GENERATION_TTL_SECONDS)) return fresh;
    return kv.get<string>(key);
  }

  const renew = (keys: readonly string[]) => {
    for (const key of keys) forgetInRequest(`generation\0${key}`);
    return Promise.all(keys.map((key) => kv.set(key, newGeneration(), GENERATION_TTL_SECONDS)));
  };

  /**
   * Runs a write, then gives the document (and its organisation's lists) new generations: when the write
   * changed it (`changed`), and when it failed, because a failed write may still have landed. A new generation
   * the KV store refuses fails the call (the change is in the database; other instances see it after at most
   * `maxAgeMs`).
   */
  async function written<R>(
    id: string,
    orgIds: (string | undefined)[],
    gainedKeys: Iterable<string>,
    write: () => Promise<R>,
    changed: (result: R) => boolean = () => true,
  ): Promise<R> {
    const keys = [
      documentGeneration(id),
      ...new Set(orgIds.filter((orgId) => orgId !== undefined).map(listGeneration)),
      ...[...gainedKeys].map(keyGeneration),
    ];
    let result: R;
    try {
      result = await write();
    } catch (error) {
      kept.forget(id);
      await renew(keys).catch(() => undefined);
      throw error;
    }
    kept.forget(id);
    if (changed(result)) await renew(keys);
    return result;
  }

  async function findById(id: string): Promise<T | undefined> {
    const generation = await currentGeneration(documentGeneration(id));
    const hit = kept.read(id, generation);
    if (hit) return hit;
    const found = await inner.findById(id);
    if (found) kept.keep(id, generation, found);
    else kept.forget(id);
    return found;
  }

  async function listInOrganization(orgId: string, where: Where<T>, afterId: string | undefined, limit: number): Promise<T[]> {
    const slot = JSON.stringify([where, afterId ?? null, limit]);
    const generation = await currentGeneration(listGeneration(orgId));
    const hit = lists.read(slot, generation);
    if (hit) return hit;
    const found = await inner.list(where, afterId, limit);
    lists.keep(slot, generation, found);
    return found;
  }

  const holds = (doc: T, key: string, value: string) => {
    const derived = spec.unique[key]?.(doc);
    return typeof derived === 'string' ? derived === value : (derived ?? []).includes(value);
  };

  /** Every unique key value the document holds, as `key \0 value` slots. */
  const keySlots = (doc: T | undefined): Set<string> => {
    const slots = new Set<string>();
    if (!doc) return slots;
    for (const [key, derive] of Object.entries(spec.unique)) {
      const derived = derive(doc);
      for (const value of typeof derived === 'string' ? [derived] : derived) slots.add(`${key}\0${value}`);
    }
    return slots;
  };

  /*
   * By unique key: a hit remembers the id, and the document read by id must still hold the key (only one
   * document can). A miss ("no user with this email", "no organisation with this verified domain", asked on
   * every sign-in) is remembered under a generation of the key value itself, which every write that gives
   * some document that value renews (a value given up needs nothing: the holder check sees it).
   */
  async function findByKey(key: string, value: string): Promise<T | undefined> {
    const slot = `${key}\0${value}`;
    const id = idsByKey.get(slot);
    if (id !== undefined) {
      const doc = await findById(id);
      if (doc && holds(doc, key, value)) return doc;
      idsByKey.delete(slot);
    }
    const generation = id === undefined ? await currentGeneration(keyGeneration(slot)) : undefined;
    if (generation !== undefined && absent.read(slot, generation)) return undefined;
    const found = await inner.findByKey(key, value);
    if (found) {
      absent.forget(slot);
      if (idsByKey.size >= maxEntries) idsByKey.delete(idsByKey.keys().next().value!);
      idsByKey.set(slot, found.id);
    } else {
      absent.keep(slot, generation, true);
    }
    return found;
  }

  /** The ids a condition on `id` names, when they are few enough to read one by one. */
  function fewIds(where: Where<T>): string[] | undefined {
    const condition: unknown = where.id;
    if (typeof condition === 'string') return [condition];
    if (!condition || typeof condition !== 'object' || !('$in' in condition) || !Array.isArray(condition.$in)) return undefined;
    const ids = [...new Set(condition.$in.filter((id): id is string => typeof id === 'string'))];
    return ids.length <= FEW_IDS ? ids : undefined;
  }

  return {
    findById,
    findByKey,
    findOne: (where) => inner.findOne(where),
    async list(where, afterId, limit): Promise<T[]> {
      const ids = fewIds(where);
      if (ids) {
        const found: (T | undefined)[] = await Promise.all(ids.filter((id) => afterId === undefined || id > afterId).map(findById));
        return found
          .filter((doc): doc is T => doc !== undefined && matchesWhere(doc, where))
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .slice(0, limit);
      }
      const orgId: unknown = (where as { orgId?: unknown }).orgId;
      if (byOrganization && typeof orgId === 'string') return listInOrganization(orgId, where, afterId, limit);
      return inner.list(where, afterId, limit);
    },
    count: (where) => inner.count(where),
    insert: (doc) => written(doc.id, [orgOf(doc)], keySlots(doc), () => inner.insert(doc)),
    replace(doc, expectedVersion) {
      // A lost race (false) changed nothing here, but what is kept may be behind: the retry reads the database.
      // The values the document gains are those it did not hold before (all of them when that is unknown).
      const before = kept.peek(doc.id);
      const held = keySlots(before);
      const gained = [...keySlots(doc)].filter((slot) => !held.has(slot));
      return written(doc.id, [orgOf(doc), orgOf(before)], gained, () => inner.replace(doc, expectedVersion), (replaced) => replaced);
    },
    async remove(id) {
      const orgId = byOrganization ? orgOf(kept.peek(id) ?? (await inner.findById(id))) : undefined;
      return written(id, [orgId], [], () => inner.remove(id));
    },
  };
}

function newGeneration(): string {
  return randomBytes(12).toString('base64url');
}
