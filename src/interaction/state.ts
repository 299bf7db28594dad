import type { KvStore } from '../common/kv.ts';
import type { LoginMethod } from '../directory/model.ts';

/*
 * What the sign-in journey learnt so far, keyed by the oidc-provider interaction uid (itself bound to the
 * browser by the signed interaction cookie). Kept in the KV store, so any instance can continue a journey
 * another one started.
 */
export interface JourneyState {
  email?: string;
  /** Set once a first factor succeeded. */
  userId?: string;
  /** How the user authenticated, for `amr` (RFC 8176 values; `fed` for a federated IdP, whose own claims are not repeated). */
  amr?: string[];
  method?: LoginMethod;
  authTime?: number;
  orgId?: string;
  /**
   * The organisation of the SAML connection the identity came from: the sign-in counts for it only. Apart from
   * orgId, which the organisation picker writes.
   */
  samlOrgId?: string;
  /** Google Workspace domain (`hd`) of a Google sign-in, checked against each organisation's restriction. */
  hostedDomain?: string;
  /** A one-time code was mailed for this interaction (the second factor is under way). */
  otpSent?: boolean;
  /**
   * The user whose emailed code was right, in this journey. Upstream IdPs' own MFA claims never set this: the code
   * is ours to check. A user id, not a flag, so that a code one account passed never counts for another.
   */
  otpVerifiedFor?: string;
}

export interface JourneyStates {
  get(uid: string): Promise<JourneyState>;
  save(uid: string, state: JourneyState, ttlSeconds: number): Promise<void>;
  clear(uid: string): Promise<void>;
}

export function createJourneyStates(kv: KvStore): JourneyStates {
  const key = (uid: string) => `journey:${uid}`;
  return {
    get: async (uid) => (await kv.get<JourneyState>(key(uid))) ?? {},
    save: async (uid, state, ttlSeconds) => { await kv.set(key(uid), state, ttlSeconds); },
    clear: (uid) => kv.delete(key(uid)),
  };
}
