import { resolve } from 'node:path';
import type { KvStore } from '../common/kv.ts';
import type { Config } from '../config/schema.ts';
import { createEmbeddedBackend } from './embedded/backend.ts';
import { createMemoryKv } from './kv/memory.ts';
import { createRedisKv } from './kv/redis.ts';
import { createMongoBackend } from './mongo/backend.ts';
import { createStores, type Stores } from './stores.ts';

/** MongoDB when a URL is configured, else the embedded SQLite file in the data directory. */
export async function openStores(config: Config): Promise<Stores> {
  const backend = config.mongodb.url
    ? await createMongoBackend({ url: config.mongodb.url, dbName: config.mongodb.database })
    : createEmbeddedBackend({ dataDir: resolve(config.dataDir) });
  return createStores(backend);
}

/** Redis when a URL is configured, else memory (one process only). */
export function openKv(config: Config): KvStore {
  return config.redis.url
    ? createRedisKv({ url: config.redis.url, prefix: config.redis.keyPrefix })
    : createMemoryKv();
}
