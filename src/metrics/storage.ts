import type { KvStore } from '../common/kv.ts';
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

export function instrumentKv(kv: KvStore, metrics: Pick<Metrics, 'kvOperationDuration'>): KvStore {
  return timedMethods(kv, metrics.kvOperationDuration, (method) => method, UNOBSERVED);
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
