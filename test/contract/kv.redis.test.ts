import { redisTestSpace } from '../support/redis.ts';
import { runKvContract } from './kv.contract.ts';

runKvContract('redis', async () => {
  const space = redisTestSpace();
  return { kv: space.open(), cleanup: space.cleanup };
});
