import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { KvStore } from '../common/kv.ts';
import type { ExternalIdentity } from '../federation/connector.ts';

/*
 * Carries a sign-in from the interaction to an upstream IdP and back:
 * - `begin` mints the opaque handle sent as RelayState / OAuth state companion, bound to the interaction uid
 *   and the connection (10 minutes, once)
 * - the IdP's answer arrives by a cross-site POST (SAML HTTP-POST binding) that carries no SameSite=Lax
 *   cookie, so the callback cannot see the interaction: it validates the answer, parks the identity under the
 *   handle (2 minutes, once) and redirects the browser to the interaction, where the cookie is sent again
 * - `take` hands the identity over only to the interaction that began it, in the browser that brought the
 *   answer: `park` gives that browser a secret of its own (the arrival cookie), and `take` wants it back. The
 *   handle alone is not enough, as whoever began the sign-in knows it (it is the SAML RelayState): without the
 *   arrival cookie, someone could start a sign-in, send the IdP request to a victim signed in at the IdP, and
 *   take the victim's answer into their own interaction.
 * - an admin's test sign-in begins with a `test:` uid: it ends on a page of its own, with no interaction
 */

export const TEST_PREFIX = 'test:';

const BEGIN_TTL_SECONDS = 600;
const RESULT_TTL_SECONDS = 120;
/** Set by the callback for its interaction's path only; SameSite=Lax is sent on the redirect that follows. */
const ARRIVAL_COOKIE = 'bk_upstream';

interface Parked {
  uid: string;
  identity: ExternalIdentity;
  /** SHA-256 of the arrival secret (base64url): what Redis holds is no use to a reader of it. */
  arrival: string;
}

const digest = (secret: string) => createHash('sha256').update(secret).digest('base64url');
const arrivalPath = (uid: string) => `/interaction/${uid}`;

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

    /** Parks the identity for its interaction and gives this browser the arrival cookie `take` will want. */
    async park(ctx: Context, handle: string, uid: string, identity: ExternalIdentity): Promise<void> {
      const secret = randomBytes(24).toString('base64url');
      await kv.set(finished(handle), { uid, identity, arrival: digest(secret) } satisfies Parked, RESULT_TTL_SECONDS);
      ctx.cookies.set(ARRIVAL_COOKIE, secret, {
        httpOnly: true, sameSite: 'lax', path: arrivalPath(uid), secure: ctx.secure, maxAge: RESULT_TTL_SECONDS * 1000, overwrite: true,
      });
    },

    /**
     * The identity parked for this interaction, when this browser brought it; consumed either way. An answer
     * for this interaction that another browser brought is `refused`, with the identity it named (for the
     * audit log: someone may have forwarded a sign-in request).
     */
    async take(ctx: Context, handle: string, uid: string): Promise<{ identity?: ExternalIdentity; refused?: ExternalIdentity }> {
      if (!/^[A-Za-z0-9_-]{32}$/.test(handle)) return {};
      const secret = ctx.cookies.get(ARRIVAL_COOKIE) ?? '';
      const record = await kv.consume<Parked>(finished(handle));
      ctx.cookies.set(ARRIVAL_COOKIE, null, { path: arrivalPath(uid), overwrite: true });
      if (!record || record.uid !== uid) return {};
      const [expected, presented] = [Buffer.from(record.arrival), Buffer.from(digest(secret))];
      const brought = expected.length === presented.length && timingSafeEqual(expected, presented);
      return brought ? { identity: record.identity } : { refused: record.identity };
    },
  };
}

export type UpstreamHandoff = ReturnType<typeof createUpstreamHandoff>;
