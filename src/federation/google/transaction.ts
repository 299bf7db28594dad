import type { KvStore } from '../../common/kv.ts';

/*
 * What a Google sign-in must remember between the redirect and the callback, kept in the KV store under the
 * `state` value so that any instance can finish what another started:
 * - the PKCE code verifier (RFC 7636 4.1) and the nonce (OIDC Core 3.1.2.1), never sent to the browser
 * - which organisation and connection the sign-in is for, as the journey said when it started
 * A transaction is consumed atomically: of two callbacks carrying one state, exactly one gets it (the code
 * it answers is single-use too, RFC 6749 4.1.2, so nothing is lost by refusing the second).
 */
export const TRANSACTION_TTL_SECONDS = 600;

/** Longer values are never states we issued (43 characters); refusing them keeps attacker input out of keys. */
const MAX_STATE_LENGTH = 128;

export interface GoogleTransaction {
  codeVerifier: string;
  nonce: string;
  orgId?: string;
  connectionId?: string;
  createdAt: string;
}

export function createTransactionStore(kv: KvStore) {
  const key = (state: string) => `google-transaction:${state}`;

  return {
    async save(state: string, transaction: GoogleTransaction): Promise<void> {
      await kv.set(key(state), transaction, TRANSACTION_TTL_SECONDS);
    },

    async consume(state: string): Promise<GoogleTransaction | undefined> {
      if (state.length === 0 || state.length > MAX_STATE_LENGTH) return undefined;
      return kv.consume<GoogleTransaction>(key(state));
    },
  };
}

export type TransactionStore = ReturnType<typeof createTransactionStore>;
