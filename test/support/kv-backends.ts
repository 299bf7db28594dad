import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { KvStore } from '../../src/common/kv.ts';
import { createMemoryKv } from '../../src/store/kv/memory.ts';
import { redisTestSpace } from './redis.ts';

/*
 * Both KV backends for suites of capabilities built on the KV port (OTP, rate limits): the memory store of
 * the embedded default and the real redis-server of the global set-up. `connect()` opens another store on
 * the same data, as a second instance of the app would: for Redis its own connection on the same prefix,
 * for memory the same store (memory is one process by definition).
 */
export interface KvSpace {
  kv: KvStore;
  connect(): KvStore;
}

export interface KvBackend {
  name: string;
  open(): Promise<KvSpace & { close(): Promise<void> }>;
}

export const kvBackends: KvBackend[] = [
  {
    name: 'memory',
    async open() {
      const kv = createMemoryKv();
      return { kv, connect: () => kv, close: () => kv.close() };
    },
  },
  {
    name: 'redis',
    async open() {
      const space = redisTestSpace();
      const stores: KvStore[] = [];
      const connect = () => {
        const store = space.open();
        stores.push(store);
        return store;
      };
      const kv = connect();
      await kv.ping();
      return {
        kv,
        connect,
        async close() {
          await Promise.all(stores.map((store) => store.close()));
          await space.cleanup();
        },
      };
    },
  },
];

/**
 * Opens the backend for the enclosing describe. A backend that cannot be opened fails every test instead of
 * leaving them skipped, as the KV contract does: a run without Redis must not look green.
 */
export function useKvBackend(backend: KvBackend): () => KvSpace {
  let space: (KvSpace & { close(): Promise<void> }) | undefined;
  let setupError: unknown;
  beforeAll(async () => {
    try {
      space = await backend.open();
    } catch (error) {
      setupError = error;
    }
  });
  afterAll(async () => {
    await space?.close();
  });
  beforeEach(() => {
    if (setupError) throw setupError;
  });
  return () => {
    if (!space) throw new Error(`kv backend ${backend.name} is not open`);
    return space;
  };
}
