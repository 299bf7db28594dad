import type { KvStore } from '../common/kv.ts';
import { mapCollections, type StorageBackend } from '../store/collection.ts';
import type { Stores } from '../store/stores.ts';
import type { Metrics } from './metrics.ts';
import { timedMethods } from './timed.ts';

/*
 * Latency of the two storage ports, as decorators over them (nothing in the backends knows about metrics):
 * - every KV method is observed under its own name; every store method as `<store>.<method>`
 *   (`users.findByEmail`, `memberships.list`), plus `ping`
 * - behaviour is unchanged: results, errors and `this` pass through (timed.ts); `close` is not observed
 */

const UNOBSERVED = new Set(['close']);

/** `prefix` tells apart the KV operations of one user of the store (`cache.` for the read cache). */
export function instrumentKv(kv: KvStore, metrics: Pick<Metrics, 'kvOperationDuration'>, prefix = ''): KvStore {
  return timedMethods(kv, metrics.kvOperationDuration, (method) => `${prefix}${method}`, UNOBSERVED);
}

/** Every collection a backend hands out, observed as `<collection>.<method>`: the database's own round trips. */
export function instrumentBackend(backend: StorageBackend, metrics: Pick<Metrics, 'databaseOperationDuration'>): StorageBackend {
  return mapCollections(backend, (collection, spec) =>
    timedMethods(collection, metrics.databaseOperationDuration, (method) => `${spec.name}.${method}`));
}

/** Every port of Stores is an object of methods; found by shape, so a port added later is observed too. */
export function instrumentStores(stores: Stores, metrics: Pick<Metrics, 'storeOperationDuration'>): Stores {
  const histogram = metrics.storeOperationDuration;
  const ports = Object.keys(stores).filter((name) => isPort((stores as unknown as Record<string, unknown>)[name]));
  const wrapped = Object.fromEntries(ports.map((name) => {
    const port = (stores as unknown as Record<string, object>)[name]!;
    return [name, timedMethods(port, histogram, (method) => `${name}.${method}`)];
  }));
  return { ...timedMethods(stores, histogram, (method) => method, new Set([...UNOBSERVED, ...ports])), ...wrapped } as Stores;
}

function isPort(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}
