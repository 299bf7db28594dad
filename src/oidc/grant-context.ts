import type { KvStore } from '../common/kv.ts';
import type { LoginMethod } from '../directory/model.ts';
import { forgetInRequest, onceInRequest } from '../store/request-cache.ts';

/*
 * What a sign-in decided beyond the account: the organisation chosen for it. oidc-provider's Grant keeps only
 * its own fields, so the choice lives beside it in the KV store for the grant's lifetime. It stays out of the
 * grant's token group: revoking one access token revokes the grant's tokens, not the grant, and later tokens
 * of the same grant still need their organisation. Tokens carry their grantId, so claims for an ID token, userinfo or
 * a refreshed token all find the organisation of the sign-in that issued them, never another membership's.
 */
export interface GrantContext {
  orgId: string;
  /**
   * The login the grant was made under: the session's login time (its `loginTs`) and that login's first factor.
   * A federated session serves an organisation again only through a grant of its current login (session-policy.ts).
   */
  login?: GrantLogin;
}

export interface GrantLogin {
  /** The session's `loginTs` (seconds). */
  ts: number;
  method: LoginMethod;
  /** A Google login's Workspace domain (`hd`), checked again against the organisation's restriction on reuse. */
  hostedDomain?: string;
}

export interface GrantContexts {
  save(grantId: string, context: GrantContext, ttlSeconds: number): Promise<void>;
  find(grantId: string): Promise<GrantContext | undefined>;
}

/*
 * Within one request a grant's context is read once (the session policy and the claims both ask for it) and
 * afresh after this request saves it.
 */
export function createGrantContexts(kv: KvStore): GrantContexts {
  const key = (grantId: string) => `grant-context:${grantId}`;
  const slot = (grantId: string) => `grant-context\0${grantId}`;
  return {
    async save(grantId, context, ttlSeconds) {
      forgetInRequest(slot(grantId));
      try {
        await kv.set(key(grantId), context, ttlSeconds);
      } finally {
        forgetInRequest(slot(grantId));
      }
    },
    find: (grantId) => onceInRequest(slot(grantId), () => kv.get<GrantContext>(key(grantId))),
  };
}
