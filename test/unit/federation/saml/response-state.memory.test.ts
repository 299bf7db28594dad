import { createMemoryKv } from '../../../../src/store/kv/memory.ts';
import { runSamlStateTests } from './response-state.contract.ts';

// The world's clock drives the memory store, so its expiry follows the tests' time travel.
runSamlStateTests('memory', async () => ({ makeKv: (now) => createMemoryKv({ now }) }));
