/*
 * Short-lived state with expiry: oidc-provider sessions, interactions, codes and tokens; SAML request ids and
 * assertion replay ids; one-time passwords; rate-limit counters. Redis in production, memory when embedded.
 *
 * Values are JSON. TTLs are in seconds (fractions allowed); every key written here expires.
 */
export interface KvStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * Store `value` under `key` for `ttlSeconds`. `groups` names key groups the key joins, so that
   * `deleteGroup` can remove every key of a group at once (e.g. all tokens of one grant). With `unlessKey`,
   * nothing is stored while that other key exists, checked in the same atomic step as the write.
   * @returns whether the value was stored (always, without `unlessKey`)
   */
  set(key: string, value: unknown, ttlSeconds: number, options?: { groups?: readonly string[]; unlessKey?: string }): Promise<boolean>;
  /** Store only if the key does not exist; true when this call stored it. */
  setIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  /** Read and delete in one atomic step: of any number of concurrent callers, exactly one gets the value. */
  consume<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * Add `by` to a counter and return the new value. The expiry is set when the counter is created and not
   * extended by later increments (a fixed window).
   */
  increment(key: string, ttlSeconds: number, by?: number): Promise<number>;
  /** `increment`, answering as well the counter's remaining lifetime, read in the same atomic step. */
  incrementWithTtl(key: string, ttlSeconds: number, by?: number): Promise<{ value: number; ttlSeconds: number }>;
  /** Remaining lifetime in seconds, or undefined when the key does not exist. */
  ttl(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  deleteGroup(group: string): Promise<void>;
  /** Round trip to the backend, for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
