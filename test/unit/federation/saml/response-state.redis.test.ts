import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { createRedisKv } from '../../../../src/store/kv/redis.ts';
import { runSamlStateTests } from './response-state.contract.ts';

runSamlStateTests('redis', async () => {
  // Provided by test/support/global-setup.ts; a run without Redis must fail, not quietly skip.
  const url = inject('redisUrl');
  if (!url) throw new Error('redisUrl was not provided: the vitest global set-up did not start redis-server');
  const prefix = `bk-test:${randomUUID()}:`;
  return {
    makeKv: () => createRedisKv({ url, prefix }),
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
