import { randomUUID } from 'node:crypto';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { KvRateLimiter } from '../../../src/abuse/kv-rate-limiter.ts';
import { kvBackends, useKvBackend } from '../../support/kv-backends.ts';

/*
 * The library's store contract, on each KV backend: what consume, get, penalty, reward, block and delete
 * answer when the store is our KvStore.
 */
describe.each(kvBackends)('rate-limiter-flexible store on $name', (backend) => {
  const space = useKvBackend(backend);
  const limiter = (points = 3, durationSeconds = 60) =>
    new KvRateLimiter({ kv: space().kv, keyPrefix: `test:${randomUUID()}`, points, durationSeconds });

  it('consumes points and rejects with a RateLimiterRes past the limit', async () => {
    const rl = limiter(2);
    const first = await rl.consume('k');
    expect(first).toMatchObject({ consumedPoints: 1, remainingPoints: 1, isFirstInDuration: true });
    expect(first.msBeforeNext).toBeGreaterThan(59_000);
    expect(first.msBeforeNext).toBeLessThanOrEqual(60_000);
    await expect(rl.consume('k')).resolves.toMatchObject({ consumedPoints: 2, remainingPoints: 0, isFirstInDuration: false });
    const rejection = await rl.consume('k').catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(RateLimiterRes);
    expect(rejection).toMatchObject({ consumedPoints: 3, remainingPoints: 0 });
  });

  it('keeps the window fixed from the first point', async () => {
    const rl = limiter(10, 1);
    const first = await rl.consume('k');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const later = await rl.consume('k');
    expect(later.msBeforeNext).toBeLessThan(first.msBeforeNext);
  });

  it('reads, fines, rewards and deletes', async () => {
    const rl = limiter(5);
    await expect(rl.get('k')).resolves.toBeNull();
    await rl.consume('k', 2);
    await expect(rl.get('k')).resolves.toMatchObject({ consumedPoints: 2, remainingPoints: 3 });
    await rl.penalty('k', 2);
    await rl.reward('k', 1);
    await expect(rl.get('k')).resolves.toMatchObject({ consumedPoints: 3 });
    await expect(rl.delete('k')).resolves.toBe(true);
    await expect(rl.delete('k')).resolves.toBe(false);
    await expect(rl.get('k')).resolves.toBeNull();
  });

  it('blocks a key for a set time, overwriting its window', async () => {
    const rl = limiter(5, 60);
    await rl.consume('k');
    await rl.block('k', 120);
    const rejection = await rl.consume('k').catch((error: unknown) => error);
    expect(rejection).toBeInstanceOf(RateLimiterRes);
    expect((rejection as RateLimiterRes).msBeforeNext).toBeGreaterThan(60_000);
  });

  it('refuses fractional points and windows that never end', async () => {
    await expect(limiter().consume('k', 1.5)).rejects.toThrow(/integers/);
    await expect(limiter(3, 0).consume('k')).rejects.toThrow(/positive duration/);
  });
});
