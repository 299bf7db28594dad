import { createHash } from 'node:crypto';
import type { KvStore } from '../../common/kv.ts';

/*
 * The two pieces of SAML state every instance must see: outstanding AuthnRequest ids (so a response can be
 * matched to the request it answers, SAML Profiles 4.1.4.3) and accepted assertion ids (so a bearer assertion
 * is used once, SAML Profiles 4.1.4.5). Both live in the KV store under the connection's id.
 */
export const REQUEST_TTL_SECONDS = 600;

/** Longer values are never ids we issued; refusing them early keeps attacker input out of key names. */
const MAX_REQUEST_ID_LENGTH = 128;

export interface OutstandingRequest {
  relayState?: string;
  createdAt: string;
}

export function createRequestState(kv: KvStore) {
  const requestKey = (connectionId: string, id: string) => `saml-request:${connectionId}:${id}`;
  // Assertion ids are chosen by the IdP and can be long; a digest bounds the key.
  const assertionKey = (connectionId: string, id: string) =>
    `saml-assertion:${connectionId}:${createHash('sha256').update(id).digest('base64url')}`;

  return {
    async saveRequest(connectionId: string, id: string, request: OutstandingRequest): Promise<void> {
      await kv.set(requestKey(connectionId, id), request, REQUEST_TTL_SECONDS);
    },

    /** Read without consuming: a response is checked in full before anything is spent. */
    async findRequest(connectionId: string, id: string): Promise<OutstandingRequest | undefined> {
      if (id.length > MAX_REQUEST_ID_LENGTH) return undefined;
      return kv.get<OutstandingRequest>(requestKey(connectionId, id));
    },

    /** Atomic: of two responses answering one request, exactly one gets it. */
    async consumeRequest(connectionId: string, id: string): Promise<OutstandingRequest | undefined> {
      if (id.length > MAX_REQUEST_ID_LENGTH) return undefined;
      return kv.consume<OutstandingRequest>(requestKey(connectionId, id));
    },

    async wasAssertionSeen(connectionId: string, assertionId: string): Promise<boolean> {
      return (await kv.get(assertionKey(connectionId, assertionId))) !== undefined;
    },

    /** True when this call is the first to accept the assertion; kept until it could no longer be accepted. */
    async claimAssertion(connectionId: string, assertionId: string, ttlSeconds: number): Promise<boolean> {
      return kv.setIfAbsent(assertionKey(connectionId, assertionId), 1, Math.max(1, ttlSeconds));
    },
  };
}

export type RequestState = ReturnType<typeof createRequestState>;
