import { randomBytes } from 'node:crypto';
import type { Entity, Where } from '../common/entity.ts';
import type { KvStore } from '../common/kv.ts';
import type { CollectionSpec, DocumentCollection, StorageBackend } from './collection.ts';
import { matchesWhere } from './where.ts';

/*
 * Documents read by id, kept in process memory and checked against a generation in the KV store (Redis) on
 * every read: one Redis GET instead of a database read, and never stale.
 *
 * - Every write through any instance (server or CLI) gives the document a new random generation after the
 *   database write returns. A reader takes the generation before reading the database and keeps the document
 *   under it, so a kept document is at least as new as every write whose generation it saw; any later write
 *   changes the generation and the next read goes to the database.
 * - Generations are random, never counters: after Redis loses keys (restart, eviction, expiry) a generation
 *   is absent or new, never an old one again, so nothing kept before matches.
 * - A writer that bypasses Bridgekeeper (an edit in the database itself), or one that died between its write
 *   and the new generation, is seen after at most `maxAgeMs`: no document is kept longer.
 * - Only reads by id and by unique key are served from memory (a key is remembered with its document's id and
 *   the document must still hold it). Queries on other fields go to the database, as do misses.
 * - Callers get copies: nothing they do changes what is kept.
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
  return {
    ...backend,
    kind: backend.kind,
    collection<T extends Entity>(spec: CollectionSpec<T>) {
      const inner = backend.collection(spec);
      return uncached.has(spec.name) ? inner : cachedCollection(spec, inner, options);
    },
    prepare: () => backend.prepare(),
    ping: () => backend.ping(),
    close: () => backend.close(),
  };
}

interface Kept<T> {
  generation: string;
  value: T;
  keptAt: number;
}

function cachedCollection<T extends Entity>(spec: CollectionSpec<T>, inner: DocumentCollection<T>, options: GenerationCacheOptions): DocumentCollection<T> {
  const { kv, maxAgeMs } = options;
  const maxEntries = options.maxEntries ?? 20_000;
  const now = options.now ?? (() => performance.now());
  const kept = new Map<string, Kept<T>>();
  /** `key \0 value` -> id of the document that held it when last read. */
  const idsByKey = new Map<string, string>();
  const generationKey = (id: string) => `gen:${spec.name}:${id}`;

  async function currentGeneration(id: string): Promise<string | undefined> {
    const generation = await kv.get<string>(generationKey(id));
    if (generation !== undefined) return generation;
    const fresh = newGeneration();
    if (await kv.setIfAbsent(generationKey(id), fresh, GENERATION_TTL_SECONDS)) return fresh;
    return kv.get<string>(generationKey(id));
  }

  /**
   * Runs a write, then gives the document a new generation: when the write changed it (`changed`), and when it
   * failed, because a failed write may still have landed. A new generation the KV store refuses fails the
   * call (the change is in the database; other instances see it after at most `maxAgeMs`).
   */
  async function written<R>(id: string, write: () => Promise<R>, changed: (result: R) => boolean = () => true): Promise<R> {
    let result: R;
    try {
      result = await write();
    } catch (error) {
      kept.delete(id);
      await kv.set(generationKey(id), newGeneration(), GENERATION_TTL_SECONDS).catch(() => undefined);
      throw error;
    }
    kept.delete(id);
    if (changed(result)) await kv.set(generationKey(id), newGeneration(), GENERATION_TTL_SECONDS);
    return result;
  }

  function keep(id: string, generation: string, value: T): void {
    kept.delete(id);
    if (kept.size >= maxEntries) kept.delete(kept.keys().next().value!);
    kept.set(id, { generation, value: structuredClone(value), keptAt: now() });
  }

  async function findById(id: string): Promise<T | undefined> {
    const generation = await currentGeneration(id);
    const entry = kept.get(id);
    if (entry && generation !== undefined && entry.generation === generation && now() - entry.keptAt < maxAgeMs) {
      // Most recently used last, so that eviction takes the coldest.
      kept.delete(id);
      kept.set(id, entry);
      return structuredClone(entry.value);
    }
    const found = await inner.findById(id);
    if (found && generation !== undefined) keep(id, generation, found);
    else kept.delete(id);
    return found;
  }

  const holds = (doc: T, key: string, value: string) => {
    const derived = spec.unique[key]?.(doc);
    return typeof derived === 'string' ? derived === value : (derived ?? []).includes(value);
  };

  async function findByKey(key: string, value: string): Promise<T | undefined> {
    const slot = `${key}\0${value}`;
    const id = idsByKey.get(slot);
    if (id !== undefined) {
      // Unique keys: a document that still holds this one is the only one that can.
      const doc = await findById(id);
      if (doc && holds(doc, key, value)) return doc;
      idsByKey.delete(slot);
    }
    const found = await inner.findByKey(key, value);
    if (found) {
      if (idsByKey.size >= maxEntries) idsByKey.delete(idsByKey.keys().next().value!);
      idsByKey.set(slot, found.id);
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
      if (!ids) return inner.list(where, afterId, limit);
      const found: (T | undefined)[] = await Promise.all(ids.filter((id) => afterId === undefined || id > afterId).map(findById));
      return found
        .filter((doc): doc is T => doc !== undefined && matchesWhere(doc, where))
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, limit);
    },
    count: (where) => inner.count(where),
    async insert(doc) {
      await written(doc.id, () => inner.insert(doc));
    },
    async replace(doc, expectedVersion) {
      // A lost race (false) changed nothing here, but what is kept may be behind: the retry reads the database.
      kept.delete(doc.id);
      return written(doc.id, () => inner.replace(doc, expectedVersion), (replaced) => replaced);
    },
    remove: (id) => written(id, () => inner.remove(id)),
  };
}

function newGeneration(): string {
  return randomBytes(12).toString('base64url');
}
