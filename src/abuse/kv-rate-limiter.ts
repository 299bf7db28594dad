import { createRequire } from 'node:module';
import { RateLimiterRes, type RateLimiterStoreAbstract as StoreLimiterBase } from 'rate-limiter-flexible';
import type { KvStore } from '../common/kv.ts';

/*
 * rate-limiter-flexible on the KV port, through the library's extension point for stores (README,
 * "Contributions": a store limiter extends RateLimiterStoreAbstract and implements _upsert, _get, _delete and
 * _getRateLimiterRes). Why not its RateLimiterRedis and RateLimiterMemory:
 * - one code path for both backends, so development and the tests run what production runs;
 * - Redis keys keep the deployment prefix and Redis outages keep answering UnavailableError (503), as every
 *   other use of the KV store does, with no second connection or key scheme;
 * - with Redis the counters are shared by every instance, because they are the KV store's.
 * kv.incrementWithTtl is atomic and fixed-window (the window starts at the first point), which is the
 * semantics of RateLimiterRedis, and answers the window's remaining time in the same step (for Retry-After).
 */

// The package's entry point does not export the base class, though its type declarations do.
const RateLimiterStoreAbstract = createRequire(import.meta.url)('rate-limiter-flexible/lib/RateLimiterStoreAbstract.js') as typeof StoreLimiterBase;

export interface KvRateLimiterOptions {
  kv: KvStore;
  /** Prefix of this limiter's keys in the KV store: one per policy. */
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}

/** What the store answers: points consumed in the current window and the window's remaining milliseconds. */
interface StoredCounter {
  consumed: number;
  msBeforeNext: number;
}

export class KvRateLimiter extends RateLimiterStoreAbstract {
  readonly #kv: KvStore;

  constructor(options: KvRateLimiterOptions) {
    super({ storeClient: options.kv, keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds });
    this.#kv = options.kv;
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, stored: StoredCounter): RateLimiterRes {
    return new RateLimiterRes(Math.max(this.points - stored.consumed, 0), stored.msBeforeNext, stored.consumed, stored.consumed === changedPoints);
  }

  /** Add points to the window's counter; `forceExpire` (block, set) overwrites it with a new expiry instead. */
  async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<StoredCounter> {
    if (!Number.isSafeInteger(points)) throw new RangeError('rate limit points must be integers');
    // The library reads a duration of 0 as "never expires"; every KV key expires, so that is refused.
    if (!(msDuration > 0)) throw new RangeError('rate limits on the KV store need a positive duration');
    if (forceExpire) {
      await this.#kv.set(rlKey, points, msDuration / 1000);
      return { consumed: points, msBeforeNext: msDuration };
    }
    const counted = await this.#kv.incrementWithTtl(rlKey, msDuration / 1000, points);
    return { consumed: counted.value, msBeforeNext: Math.max(0, Math.ceil(counted.ttlSeconds * 1000)) };
  }

  async _get(rlKey: string): Promise<StoredCounter | null> {
    const consumed = await this.#kv.get<number>(rlKey);
    return consumed === undefined ? null : { consumed, msBeforeNext: await this.#msBeforeNext(rlKey) };
  }

  async _delete(rlKey: string): Promise<boolean> {
    // Read and removed in one step (GETDEL): whether it existed is what the caller wants to know.
    return (await this.#kv.consume(rlKey)) !== undefined;
  }

  async #msBeforeNext(rlKey: string): Promise<number> {
    // Gone since the increment: that window is over.
    const seconds = await this.#kv.ttl(rlKey);
    return seconds === undefined ? 0 : Math.ceil(seconds * 1000);
  }
}
