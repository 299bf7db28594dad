import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { ClientStore } from './ports.ts';
import { toClientMetadata } from './clients.ts';

/** oidc-provider reads clients through its adapter; ours answers from the store (read-only here). */
export function createClientAdapter(clients: ClientStore): Adapter {
  const readOnly = async () => {
    throw new Error('clients are managed through the store, not through oidc-provider');
  };
  return {
    async find(id: string) {
      const client = await clients.find(id);
      return client ? (toClientMetadata(client) as unknown as AdapterPayload) : undefined;
    },
    upsert: readOnly,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    consume: readOnly,
    destroy: readOnly,
    revokeByGrantId: async () => undefined,
  };
}
