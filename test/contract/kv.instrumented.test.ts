import { createMetrics } from '../../src/metrics/index.ts';
import { instrumentKv } from '../../src/metrics/storage.ts';
import { createMemoryKv } from '../../src/store/kv/memory.ts';
import { runKvContract } from './kv.contract.ts';

// The latency decorator must be invisible: the whole KV contract holds through it.
runKvContract('memory, instrumented', async () => ({
  kv: instrumentKv(createMemoryKv(), createMetrics({ processMetrics: false })),
  cleanup: async () => {},
}));
