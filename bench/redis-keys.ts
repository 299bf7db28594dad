import type { Redis } from 'ioredis';

/*
 * What the short-lived state in Redis is made of, after the runs: keys under a prefix grouped by their shape
 * (ids replaced by `*`), with a count and MEMORY USAGE sampled on a few keys of each group. Bounded scan.
 */
export interface KeyGroup {
  shape: string;
  count: number;
  meanBytes: number;
  estimatedBytes: number;
}

const SAMPLE_PER_GROUP = 20;
const MAX_KEYS = 1_000_000;

export async function redisKeyGroups(redis: Redis, prefix: string): Promise<KeyGroup[]> {
  const groups = new Map<string, { count: number; samples: string[] }>();
  let cursor = '0';
  let seen = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5_000);
    cursor = next;
    for (const key of keys) {
      const shape = keyShape(key);
      const group = groups.get(shape) ?? { count: 0, samples: [] };
      group.count++;
      if (group.samples.length < SAMPLE_PER_GROUP) group.samples.push(key);
      groups.set(shape, group);
    }
    seen += keys.length;
  } while (cursor !== '0' && seen < MAX_KEYS);

  const result: KeyGroup[] = [];
  for (const [shape, group] of groups) {
    const sizes = await Promise.all(group.samples.map((key) => redis.call('MEMORY', 'USAGE', key) as Promise<number | null>));
    const known = sizes.filter((size): size is number => typeof size === 'number');
    const meanBytes = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 0;
    result.push({ shape, count: group.count, meanBytes, estimatedBytes: meanBytes * group.count });
  }
  return result.sort((a, b) => b.estimatedBytes - a.estimatedBytes);
}

/** `bk:k:oidc:Session:Xy3...` -> `bk:k:oidc:Session:*`: segments that look like ids or digests become `*`. */
export function keyShape(key: string): string {
  return key.split(':').map((segment) => (looksLikeId(segment) ? '*' : segment)).join(':');
}

/** Digits, or long with a digit, or long and not a CamelCase model name (`AuthorizationCode`), or very long. */
function looksLikeId(segment: string): boolean {
  return /^\d+$/.test(segment) || (segment.length >= 12 && /\d/.test(segment)) ||
    (segment.length >= 16 && !/^(?:[A-Z][a-z]+)+$/.test(segment)) || segment.length >= 30;
}
