import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import type { KvStore } from '../../src/common/kv.ts';
import { createRedisKv } from '../../src/store/kv/redis.ts';
import { findRedisServer } from './binaries.ts';
import { startService, type RunningService } from './services.ts';

const HOST = '127.0.0.1';

/** A redis-server of its own on `port` (no persistence), for the test run or for a test that kills it. */
export function startRedis(port: number): Promise<RunningService> {
  const bin = findRedisServer();
  if (!bin) throw new Error('redis-server not found: install it (apt-get install redis-server) or run `npm test`, which does');
  return startService({
    name: 'redis',
    bin,
    args: (dir) => ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir],
    ready: () => redisPing(port),
  });
}

export function redisPing(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, HOST);
    socket.setTimeout(1_000, () => socket.destroy(new Error('PING timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (reply) => {
      socket.destroy();
      if (reply.toString('utf8').startsWith('+PONG')) resolve();
      else reject(new Error(`PING answered ${reply.toString('utf8').trim()}`));
    });
  });
}

/**
 * A private corner of the global set-up's redis-server: test files run in parallel against one Redis, so each
 * writes under a prefix of its own and removes it afterwards. A run without Redis fails, never skips.
 */
export function redisTestSpace(): { open(): KvStore; cleanup(): Promise<void> } {
  const url = inject('redisUrl');
  if (!url) throw new Error('redisUrl was not provided: the vitest global set-up did not start redis-server');
  const prefix = `bk-test:${randomUUID()}:`;
  return {
    open: () => createRedisKv({ url, prefix }),
    async cleanup() {
      const admin = new Redis(url, { maxRetriesPerRequest: 2 });
      try {
        const keys = await admin.keys(`${prefix}*`);
        if (keys.length > 0) await admin.del(...keys);
      } finally {
        await admin.quit();
      }
    },
  };
}
