import { resolve } from 'node:path';
import type { KvStore } from '../common/kv.ts';
import type { Config } from '../config/schema.ts';
import { createEmbeddedBackend } from './embedded/backend.ts';
import { createMemoryKv } from './kv/memory.ts';
import { createRedisKv } from './kv/redis.ts';
import { instrumentBackend, instrumentKv, type Metrics } from '../metrics/index.ts';
import { withGenerationCache } from './generation-cache.ts';
import { createMongoBackend } from './mongo/backend.ts';
import { auditEventSpec } from './specs.ts';
import { createStores, type Stores } from './stores.ts';

/**
 * MongoDB when a URL is configured, else the embedded SQLite file in the data directory. MongoDB reads by id
 * and unique key go through the generation cache, its generations in `kv` (every writer must use the same KV
 * store, so the CLI opens it too). The embedded store is read in process and needs none.
 */
export async function openStores(config: Config, kv: KvStore, metrics?: Pick<Metrics, 'databaseOperationDuration' | 'kvOperationDuration'>): Promise<Stores> {
  if (!config.mongodb.url) return createStores(createEmbeddedBackend({ dataDir: resolve(config.dataDir) }));
  const connected = await createMongoBackend({ url: config.mongodb.url, dbName: config.mongodb.database });
  const mongo = metrics ? instrumentBackend(connected, metrics) : connected;
  const maxAgeMs = config.mongodb.cacheMaxAgeSeconds * 1000;
  if (maxAgeMs === 0) return createStores(mongo);
  const generations = metrics ? instrumentKv(kv, metrics, 'cache.') : kv;
  return createStores(withGenerationCache(mongo, { kv: generations, maxAgeMs, uncached: [auditEventSpec.name] }));
}

/** Redis when a URL is configured, else memory (one process only). */
export function openKv(config: Config): KvStore {
  return config.redis.url
    ? createRedisKv({ url: config.redis.url, prefix: config.redis.keyPrefix })
    : createMemoryKv();
}
