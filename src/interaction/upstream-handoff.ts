import { randomBytes } from 'node:crypto';
import type { KvStore } from '../common/kv.ts';
import type { ExternalIdentity } from '../federation/connector.ts';

/*
 * Carries a sign-in from the interaction to an upstream IdP and back:
 * - `begin` mints the opaque handle sent as RelayState / OAuth state companion, bound to the interaction uid
 *   and the connection (10 minutes, once)
 * - the IdP's answer arrives by a cross-site POST (SAML HTTP-POST binding) that carries no SameSite=Lax
 *   cookie, so the callback cannot see the interaction: it validates the answer, parks the identity under the
 *   handle (2 minutes, once) and redirects the browser to the interaction, where the cookie is sent again
 * - `take` hands the identity over only to the interaction that began it
 * - an admin's test sign-in begins with a `test:` uid: it ends on a page of its own, with no interaction
 */

export const TEST_PREFIX = 'test:';

const BEGIN_TTL_SECONDS = 600;
const RESULT_TTL_SECONDS = 120;

export interface Handoff {
  uid: string;
  connectionId: string;
}

export function createUpstreamHandoff(kv: KvStore) {
  const begun = (handle: string) => `upstream-begun:${handle}`;
  const finished = (handle: string) => `upstream-finished:${handle}`;
  const newHandle = (): string => randomBytes(24).toString('base64url');
  return {
    /** A fresh handle, for a caller that stores what refers to it while `begin` stores the hand-off. */
    newHandle,

    async begin(uid: string, connectionId: string, handle = newHandle()): Promise<string> {
      await kv.set(begun(handle), { uid, connectionId } satisfies Handoff, BEGIN_TTL_SECONDS);
      return handle;
    },

    /** The hand-off of a handle not used yet, without using it. */
    async pending(handle: string): Promise<Handoff | undefined> {
      if (!/^[A-Za-z0-9_-]{32}$/.test(handle)) return undefined;
      return kv.get<Handoff>(begun(handle));
    },

    /** The interaction this handle began, for the connection it was begun for; consumed. */
    async arrive(handle: string, connectionId: string): Promise<Handoff | undefined> {
      if (!/^[A-Za-z0-9_-]{32}$/.test(handle)) return undefined;
      const record = await kv.consume<Handoff>(begun(handle));
      return record?.connectionId === connectionId ? record : undefined;
    },

    async park(handle: string, uid: string, identity: ExternalIdentity): Promise<void> {
      await kv.set(finished(handle), { uid, identity }, RESULT_TTL_SECONDS);
    },

    async take(handle: string, uid: string): Promise<ExternalIdentity | undefined> {
      if (!/^[A-Za-z0-9_-]{32}$/.test(handle)) return undefined;
      const record = await kv.consume<{ uid: string; identity: ExternalIdentity }>(finished(handle));
      return record?.uid === uid ? record.identity : undefined;
    },
  };
}

export type UpstreamHandoff = ReturnType<typeof createUpstreamHandoff>;
