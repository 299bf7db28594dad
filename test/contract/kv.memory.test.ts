import { createMemoryKv } from '../../src/store/kv/memory.ts';
import { runKvContract } from './kv.contract.ts';

runKvContract('memory', async () => ({ kv: createMemoryKv(), cleanup: async () => {} }));
