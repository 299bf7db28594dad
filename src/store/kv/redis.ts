import { createHash } from 'node:crypto';
import { Redis, ReplyError } from 'ioredis';
import { UnavailableError } from '../../common/errors.ts';
import type { KvStore } from '../../common/kv.ts';
import { checkIncrement, encodeValue, ttlMillis } from './values.ts';

/*
 * - every key carries the configured prefix, so several deployments (or test runs) can share one Redis
 * - keys and group sets live in separate namespaces (`k:` / `g:`), so no caller key can collide with a group
 * - writes that touch several keys run as Lua scripts: Redis executes a script atomically
 * - a group set expires no earlier than its longest-lived member, so deleteGroup always sees every member
 * - the scripts address member keys not passed in KEYS, which a standalone Redis (or a primary with replicas)
 *   accepts and Redis Cluster does not; Cluster is not supported
 */
export type RedisKvOptions = {
  prefix: string;
  /** Errors ioredis reports between commands (it reconnects by itself); ignored when absent. */
  onConnectionError?: (error: Error) => void;
} & (
  | { url: string; client?: undefined }
  /** A client the caller owns (tests, shared connections): used as is and left open by close(). */
  | { client: Redis; url?: undefined }
);

export function createRedisKv(options: RedisKvOptions): KvStore {
  const ownsClient = !options.client;
  const client =
    options.client ??
    new Redis(options.url, {
      lazyConnect: false,
      // A command issued while Redis is down fails after two reconnect attempts (under a second at first,
      // a few seconds once the back-off has grown) instead of waiting forever, so requests answer 503.
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      connectTimeout: 5_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      // Commands issued in the same turn of the event loop (concurrent requests) leave in one write.
      enableAutoPipelining: true,
    });
  // Without a listener ioredis prints every reconnect failure to the console; commands report them anyway.
  if (ownsClient || options.onConnectionError) client.on('error', (error: Error) => options.onConnectionError?.(error));

  const keyOf = (key: string) => `${options.prefix}k:${key}`;
  const groupOf = (group: string) => `${options.prefix}g:${group}`;
  const run = (script: Script, keys: string[], args: (string | number)[]) => runScript(client, script, keys, args);

  return {
    async get<T>(key: string) {
      return decode<T>(await guard(() => client.get(keyOf(key))));
    },

    async set(key, value, ttlSeconds, setOptions) {
      const json = encodeValue(value);
      const ms = ttlMillis(ttlSeconds);
      const groups = setOptions?.groups ?? [];
      const unless = setOptions?.unlessKey;
      if (unless === undefined && groups.length === 0) {
        await guard(() => client.set(keyOf(key), json, 'PX', ms));
        return true;
      }
      const keys = [keyOf(key), ...(unless === undefined ? [] : [keyOf(unless)]), ...groups.map(groupOf)];
      return Number(await guard(() => run(setInGroups, keys, [json, ms, unless === undefined ? '0' : '1']))) === 1;
    },

    async setIfAbsent(key, value, ttlSeconds) {
      const json = encodeValue(value);
      const ms = ttlMillis(ttlSeconds);
      return (await guard(() => client.set(keyOf(key), json, 'PX', ms, 'NX'))) === 'OK';
    },

    async consume<T>(key: string) {
      return decode<T>(await guard(() => client.getdel(keyOf(key))));
    },

    async increment(key, ttlSeconds, by = 1) {
      const args = [checkIncrement(by), ttlMillis(ttlSeconds)];
      const [value] = (await guard(() => run(incrementFixedWindow, [keyOf(key)], args))) as [number, number];
      return Number(value);
    },

    async incrementWithTtl(key, ttlSeconds, by = 1) {
      const args = [checkIncrement(by), ttlMillis(ttlSeconds)];
      const [value, ms] = (await guard(() => run(incrementFixedWindow, [keyOf(key)], args))) as [number, number];
      return { value: Number(value), ttlSeconds: Number(ms) / 1000 };
    },

    async ttl(key) {
      const ms = await guard(() => client.pttl(keyOf(key)));
      if (ms === -2) return undefined;
      // -1: the key exists without expiry, which only a writer other than this store can cause.
      return ms === -1 ? Number.POSITIVE_INFINITY : ms / 1000;
    },

    async delete(key) {
      await guard(() => client.del(keyOf(key)));
    },

    async deleteGroup(group) {
      await guard(() => run(deleteGroupMembers, [groupOf(group)], []));
    },

    async ping() {
      await guard(() => client.ping());
    },

    async close() {
      if (!ownsClient || client.status === 'end') return;
      try {
        await client.quit();
      } catch {
        // Redis is unreachable, so there is nothing to say goodbye to.
        client.disconnect();
      }
    },
  };
}

function decode<T>(json: string | null): T | undefined {
  return json === null ? undefined : (JSON.parse(json) as T);
}

interface Script {
  lua: string;
  sha: string;
}

function defineScript(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

// KEYS[1] = key, then with ARGV[3] = '1' the key whose presence forbids the write, then the group sets;
// ARGV = json, ttl in ms, guarded. Answers 1 when written, 0 when the guard key was there.
const setInGroups = defineScript(`
local first = 2
if ARGV[3] == '1' then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
  first = 3
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local ms = tonumber(ARGV[2])
for i = first, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ms then redis.call('PEXPIRE', KEYS[i], ms) end
end
return 1
`);

// KEYS[1] = counter; ARGV = by, ttl in ms. The NX set gives a new counter its window; INCRBY keeps the expiry.
// Answers the new value and the window's remaining milliseconds.
const incrementFixedWindow = defineScript(`
redis.call('SET', KEYS[1], 0, 'PX', ARGV[2], 'NX')
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
return {value, redis.call('PTTL', KEYS[1])}
`);

// KEYS[1] = group set.
const deleteGroupMembers = defineScript(`
local members = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(members) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #members
`);

/** EVALSHA, falling back to EVAL once when the server's script cache does not hold the script yet. */
async function runScript(client: Redis, script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof ReplyError) || !String((error as Error).message).startsWith('NOSCRIPT')) throw error;
    return await client.eval(script.lua, keys.length, ...keys, ...args);
  }
}

/*
 * An error Redis answered (ReplyError: wrong type, script error) is a bug and propagates as is; every other
 * failure of a command (refused connection, retries exhausted, connection closed) means Redis is unavailable.
 */
async function guard<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    if (error instanceof ReplyError) throw error;
    throw new UnavailableError('Redis', { cause: error });
  }
}
