/*
 * Argument rules both KV backends enforce the same way, so a caller's mistake fails identically in
 * development (memory) and production (Redis) instead of surfacing only as a Redis reply error.
 */

/** JSON text of `value`; `undefined`, functions and symbols have none and are refused. */
export function encodeValue(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('kv values must be JSON-serialisable');
  return json;
}

/** Whole milliseconds, rounded up so that a fractional TTL never expires early. */
export function ttlMillis(ttlSeconds: number): number {
  if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) {
    throw new RangeError(`kv ttl must be a positive number of seconds, got ${ttlSeconds}`);
  }
  return Math.ceil(ttlSeconds * 1000);
}

/** Counters are integers (Redis INCRBY refuses anything else). */
export function checkIncrement(by: number): number {
  if (!Number.isSafeInteger(by)) throw new RangeError(`kv increment must be an integer, got ${by}`);
  return by;
}
