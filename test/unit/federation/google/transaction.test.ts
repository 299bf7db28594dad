import { describe, expect, it } from 'vitest';
import { createTransactionStore, TRANSACTION_TTL_SECONDS } from '../../../../src/federation/google/transaction.ts';
import { kvBackends, useKvBackend } from '../../../support/kv-backends.ts';

const TRANSACTION = { codeVerifier: 'verifier', nonce: 'nonce', orgId: 'org-1', createdAt: '2026-03-02T09:00:00.000Z' };

describe.each(kvBackends)('Google transactions on $name', (backend) => {
  const space = useKvBackend(backend);

  it('keeps a transaction for ten minutes under its state, readable from another instance', async () => {
    const state = `state-${Math.random()}`;
    await createTransactionStore(space().kv).save(state, TRANSACTION);
    const ttl = await space().kv.ttl(`google-transaction:${state}`);
    expect(ttl).toBeGreaterThan(TRANSACTION_TTL_SECONDS - 5);
    expect(ttl).toBeLessThanOrEqual(TRANSACTION_TTL_SECONDS);
    expect(await createTransactionStore(space().connect()).consume(state)).toEqual(TRANSACTION);
  });

  it('hands a transaction to exactly one of many concurrent consumers', async () => {
    const state = `state-${Math.random()}`;
    await createTransactionStore(space().kv).save(state, TRANSACTION);
    const consumers = Array.from({ length: 10 }, () => createTransactionStore(space().connect()));
    const results = await Promise.all(consumers.map((store) => store.consume(state)));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await consumers[0]!.consume(state)).toBeUndefined();
  });

  it('finds nothing for an empty or overlong state without asking the store', async () => {
    const store = createTransactionStore(space().kv);
    expect(await store.consume('')).toBeUndefined();
    expect(await store.consume('x'.repeat(129))).toBeUndefined();
  });
});
