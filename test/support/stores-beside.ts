import type { Config } from '../../src/config/schema.ts';
import { openKv, openStores } from '../../src/store/open.ts';
import type { Stores } from '../../src/store/stores.ts';

/**
 * The durable stores of a running server's configuration, opened beside it as the CLI opens them: writes are
 * announced in the same KV store, so the server's read cache sees them at once. close() closes both.
 */
export async function openStoresBeside(config: Config): Promise<Stores> {
  const kv = openKv(config);
  const stores = await openStores(config, kv).catch(async (error: unknown) => {
    await kv.close();
    throw error;
  });
  return {
    ...stores,
    async close() {
      await stores.close();
      await kv.close();
    },
  };
}
