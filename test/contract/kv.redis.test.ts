import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { createRedisKv } from '../../src/store/kv/redis.ts';
import { runKvContract } from './kv.contract.ts';

runKvContract('redis', async () => {
  // Provided by test/support/global-setup.ts; a run without Redis must fail, not quietly skip.
  const url = inject('redisUrl');
  if (!url) throw new Error('redisUrl was not provided: the vitest global set-up did not start redis-server');
  // Test files run in parallel against one Redis: each suite run writes under its own prefix and removes it.
  const prefix = `bk-test:${randomUUID()}:`;
  return {
    kv: createRedisKv({ url, prefix }),
    cleanup: async () => {
      const admin = new Redis(url, { maxRetriesPerRequest: 2 });
      try {
        const keys = await admin.keys(`${prefix}*`);
        if (keys.length > 0) await admin.del(...keys);
      } finally {
        await admin.quit();
      }
    },
  };
});
