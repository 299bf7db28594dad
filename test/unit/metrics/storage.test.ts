import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/common/errors.ts';
import { createMetrics, instrumentKv, instrumentStores, type Metrics } from '../../../src/metrics/index.ts';
import { createEmbeddedBackend } from '../../../src/store/embedded/backend.ts';
import { createMemoryKv } from '../../../src/store/kv/memory.ts';
import { createStores, type Stores } from '../../../src/store/stores.ts';
import { orgDraft, userDraft } from '../../support/samples.ts';

/** Observation count of one operation in a histogram. */
async function count(metrics: Metrics, name: 'store_operation_duration_seconds' | 'kv_operation_duration_seconds', operation: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.find((v) => (v as { metricName?: string }).metricName === `${name}_count` && v.labels.operation === operation)?.value ?? 0;
}

describe('instrumentKv', () => {
  it('observes each call under the method name and keeps what the KV answers', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const kv = instrumentKv(createMemoryKv(), metrics);
    await kv.set('k', { a: 1 }, 10);
    expect(await kv.get('k')).toEqual({ a: 1 });
    expect(await kv.setIfAbsent('k', 2, 10)).toBe(false);
    expect(await kv.consume('k')).toEqual({ a: 1 });
    expect(await kv.consume('k')).toBeUndefined();
    expect(await kv.increment('n', 10)).toBe(1);
    expect(await kv.increment('n', 10, 2)).toBe(3);
    expect(await count(metrics, 'kv_operation_duration_seconds', 'consume')).toBe(2);
    expect(await count(metrics, 'kv_operation_duration_seconds', 'increment')).toBe(2);
    expect(await count(metrics, 'kv_operation_duration_seconds', 'get')).toBe(1);
    await kv.close();
    expect(await count(metrics, 'kv_operation_duration_seconds', 'close')).toBe(0);
  });
});

describe('instrumentStores', () => {
  let raw: Stores;
  let stores: Stores;
  let metrics: Metrics;
  beforeEach(async () => {
    metrics = createMetrics({ processMetrics: false });
    raw = await createStores(createEmbeddedBackend({ memory: true }));
    stores = instrumentStores(raw, metrics);
  });
  afterEach(async () => { await stores.close(); });

  it('observes repository methods as <store>.<method>, with the same results', async () => {
    const org = await stores.organizations.create(orgDraft({ slug: 'acme' }));
    expect(await stores.organizations.findBySlug('ACME')).toEqual(org);
    await stores.users.create(userDraft({ email: 'a@acme.test' }));
    expect((await stores.users.findByEmail('A@acme.test'))?.email).toBe('a@acme.test');
    await stores.ping();
    expect(stores.backend).toBe(raw.backend);
    expect(await count(metrics, 'store_operation_duration_seconds', 'organizations.create')).toBe(1);
    expect(await count(metrics, 'store_operation_duration_seconds', 'organizations.findBySlug')).toBe(1);
    expect(await count(metrics, 'store_operation_duration_seconds', 'users.findByEmail')).toBe(1);
    expect(await count(metrics, 'store_operation_duration_seconds', 'ping')).toBe(1);
  });

  it('passes errors through unchanged and still observes the call', async () => {
    await expect(stores.users.get('missing')).rejects.toBeInstanceOf(NotFoundError);
    expect(await count(metrics, 'store_operation_duration_seconds', 'users.get')).toBe(1);
  });
});
