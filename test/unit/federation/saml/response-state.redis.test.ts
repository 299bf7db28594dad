import { redisTestSpace } from '../../../support/redis.ts';
import { runSamlStateTests } from './response-state.contract.ts';

runSamlStateTests('redis', async () => {
  const space = redisTestSpace();
  return { makeKv: space.open, cleanup: space.cleanup };
});
