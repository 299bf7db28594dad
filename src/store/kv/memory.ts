import type { KvStore } from '../../common/kv.ts';
import { checkIncrement, encodeValue, ttlMillis } from './values.ts';

/*
 * - one process only: nothing is shared between replicas and everything is lost on restart
 * - values are kept as JSON text, so a caller never receives an object another caller can still mutate
 * - expiry is checked on every read; a periodic sweep frees keys nobody reads again
 * - group membership is additive and outlives overwrites, exactly as in the Redis backend
 */
export interface MemoryKvOptions {
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
  sweepIntervalMs?: number;
}

interface Entry {
  json: string;
  expiresAt: number;
}

export function createMemoryKv(options: MemoryKvOptions = {}): KvStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const groups = new Map<string, Set<string>>();

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function write(key: string, json: string, ms: number): void {
    entries.set(key, { json, expiresAt: now() + ms });
  }

  function sweep(): void {
    const at = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= at) entries.delete(key);
    for (const [group, members] of groups) {
      for (const key of members) if (!entries.has(key)) members.delete(key);
      if (members.size === 0) groups.delete(group);
    }
  }

  // unref'd: a forgotten store must not keep the process alive.
  const sweeper = setInterval(sweep, options.sweepIntervalMs ?? 30_000);
  sweeper.unref();

  function incrementCounter(key: string, ttlSeconds: number, by: number): { value: number; ttlSeconds: number } {
    checkIncrement(by);
    const ms = ttlMillis(ttlSeconds);
    const entry = live(key);
    if (!entry) {
      write(key, JSON.stringify(by), ms);
      return { value: by, ttlSeconds: ms / 1000 };
    }
    const current: unknown = JSON.parse(entry.json);
    if (!Number.isSafeInteger(current)) throw new TypeError(`kv key ${key} does not hold a counter`);
    const next = (current as number) + by;
    // Fixed window: the expiry set at creation stays.
    entry.json = JSON.stringify(next);
    return { value: next, ttlSeconds: (entry.expiresAt - now()) / 1000 };
  }

  return {
    async get<T>(key: string) {
      const entry = live(key);
      return entry ? (JSON.parse(entry.json) as T) : undefined;
    },

    async set(key, value, ttlSeconds, setOptions) {
      const json = encodeValue(value);
      const ms = ttlMillis(ttlSeconds);
      if (setOptions?.unlessKey !== undefined && live(setOptions.unlessKey)) return false;
      write(key, json, ms);
      for (const group of setOptions?.groups ?? []) {
        let members = groups.get(group);
        if (!members) groups.set(group, (members = new Set()));
        members.add(key);
      }
      return true;
    },

    async setIfAbsent(key, value, ttlSeconds) {
      const json = encodeValue(value);
      const ms = ttlMillis(ttlSeconds);
      if (live(key)) return false;
      write(key, json, ms);
      return true;
    },

    // Atomic because nothing awaits between the read and the delete.
    async consume<T>(key: string) {
      const entry = live(key);
      if (!entry) return undefined;
      entries.delete(key);
      return JSON.parse(entry.json) as T;
    },

    async increment(key, ttlSeconds, by = 1) {
      return incrementCounter(key, ttlSeconds, by).value;
    },

    async incrementWithTtl(key, ttlSeconds, by = 1) {
      return incrementCounter(key, ttlSeconds, by);
    },

    async ttl(key) {
      const entry = live(key);
      return entry ? (entry.expiresAt - now()) / 1000 : undefined;
    },

    async delete(key) {
      entries.delete(key);
    },

    async deleteGroup(group) {
      for (const key of groups.get(group) ?? []) entries.delete(key);
      groups.delete(group);
    },

    async ping() {},

    async close() {
      clearInterval(sweeper);
    },
  };
}
