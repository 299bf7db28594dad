import type { KvStore } from '../common/kv.ts';

/*
 * What a sign-in decided beyond the account: the organisation chosen for it. oidc-provider's Grant keeps only
 * its own fields, so the choice lives beside it in the KV store for the grant's lifetime. It stays out of the
 * grant's token group: revoking one access token revokes the grant's tokens, not the grant, and later tokens
 * of the same grant still need their organisation. Tokens carry their grantId, so claims for an ID token, userinfo or
 * a refreshed token all find the organisation of the sign-in that issued them, never another membership's.
 */
export interface GrantContext {
  orgId: string;
}

export interface GrantContexts {
  save(grantId: string, context: GrantContext, ttlSeconds: number): Promise<void>;
  find(grantId: string): Promise<GrantContext | undefined>;
}

export function createGrantContexts(kv: KvStore): GrantContexts {
  const key = (grantId: string) => `grant-context:${grantId}`;
  return {
    save: async (grantId, context, ttlSeconds) => { await kv.set(key(grantId), context, ttlSeconds); },
    find: (grantId) => kv.get<GrantContext>(key(grantId)),
  };
}
