import { errors, type Adapter, type AdapterFactory, type AdapterPayload } from 'oidc-provider';
import type { KvStore } from '../common/kv.ts';
import { forgetInRequest, onceInRequest } from '../store/request-cache.ts';

/*
 * oidc-provider's storage adapter on the KV port, so every instance sees the same sessions, interactions,
 * codes, tokens and grants.
 * - `oidc:<Model>:<id>` holds a record; `oidc:uid:<uid>` and `oidc:userCode:<code>` index Sessions and
 *   DeviceCodes; token records carrying a grantId join the KV group `oidc:grant:<grantId>`
 * - consumption is one atomic `setIfAbsent` of `oidc:consumed:<Model>:<id>`: of any number of concurrent
 *   redemptions of one code or refresh token, on any number of instances, exactly one wins. Each loser
 *   revokes the grant and answers invalid_grant (RFC 6749 §4.1.2 and §10.5, RFC 9700 §4.14.2).
 *   oidc-provider cannot do this itself: it checks `consumed` from `find` and then calls `consume`, ignoring
 *   its result, so two requests that both find the code unconsumed would both get tokens.
 * - `find` reports the marker as `consumed`, so a reuse that arrives after the redemption is caught by
 *   oidc-provider's own check (which revokes the grant too).
 */
export interface KvAdapterOptions {
  /** Lifetime of records oidc-provider saves without one. Default 14 days. */
  defaultTtlSeconds?: number;
}

const DEFAULT_TTL_SECONDS = 14 * 24 * 60 * 60;

/*
 * The models revoked together by grant, as in oidc-provider's own memory adapter. Interaction carries a
 * grantId as well but stays out: revoking an access token (which revokes by grant) must not abort a sign-in
 * that is in progress.
 */
const GRANT_BOUND_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** The models with `consumed` in their payload; only these are ever consumed. */
const CONSUMABLE_MODELS = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
  'PushedAuthorizationRequest',
]);

const recordKey = (model: string, id: string) => `oidc:${model}:${id}`;
const consumedKey = (model: string, id: string) => `oidc:consumed:${model}:${id}`;
const uidKey = (uid: string) => `oidc:uid:${uid}`;
const userCodeKey = (userCode: string) => `oidc:userCode:${userCode}`;
const grantGroup = (grantId: string) => `oidc:grant:${grantId}`;
/** Written when a concurrent reuse revoked a grant; see `dropIfRevokedByReuse`. */
const reuseRevokedKey = (grantId: string) => `oidc:reuse-revoked:${grantId}`;

const epochSeconds = () => Math.floor(Date.now() / 1000);

export function createKvAdapterFactory(kv: KvStore, options: KvAdapterOptions = {}): AdapterFactory {
  const defaultTtl = options.defaultTtlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!(defaultTtl > 0)) throw new RangeError('defaultTtlSeconds must be a positive number');

  const ttlOf = (expiresIn: number | undefined) => (expiresIn !== undefined && expiresIn > 0 ? expiresIn : defaultTtl);

  async function revokeGrant(grantId: string): Promise<void> {
    await Promise.all([kv.deleteGroup(grantGroup(grantId)), kv.delete(recordKey('Grant', grantId))]);
  }

  return function createKvAdapter(model: string): Adapter {
    const grantBound = GRANT_BOUND_MODELS.has(model);
    const consumable = CONSUMABLE_MODELS.has(model);

    /*
     * An interaction is read by every step of the sign-in journey and again by oidc-provider when the step
     * finishes it, in the same request: within one request (request-cache.ts) it is read from the KV store
     * once, and written or removed through here, read afresh.
     */
    const memoSlot = (id: string) => `oidc\0${model}\0${id}`;
    const memoized = model === 'Interaction';
    const forget = (id: string) => {
      if (memoized) forgetInRequest(memoSlot(id));
    };

    async function find(id: string): Promise<AdapterPayload | undefined> {
      if (!memoized) return read(id);
      const payload = await onceInRequest(memoSlot(id), () => read(id));
      return payload === undefined ? undefined : structuredClone(payload);
    }

    async function read(id: string): Promise<AdapterPayload | undefined> {
      const [payload, consumed] = await Promise.all([
        kv.get<AdapterPayload>(recordKey(model, id)),
        consumable ? kv.get<number>(consumedKey(model, id)) : undefined,
      ]);
      if (!payload) return undefined;
      return consumed === undefined ? payload : { ...payload, consumed: payload.consumed ?? consumed };
    }

    async function findByIndex(indexKey: string): Promise<AdapterPayload | undefined> {
      const id = await kv.get<string>(indexKey);
      return id === undefined ? undefined : find(id);
    }

    return {
      /*
       * The losers of a concurrent redemption revoke the grant at about the moment the winner starts writing
       * the tokens it issues, so a plain group delete would miss them. Losers therefore mark the grant first,
       * and every grant-bound write (and the grant itself) is stored only while no mark exists, checked in the
       * same atomic step: either the write lands before the mark (and the loser's group delete, which comes
       * after it, removes it) or it sees the mark and stores nothing.
       */
      async upsert(id, payload, expiresIn) {
        forget(id);
        const ttl = ttlOf(expiresIn);
        const key = recordKey(model, id);
        const grantId = grantBound ? payload.grantId : model === 'Grant' ? id : undefined;
        const grantGroups = grantBound && payload.grantId ? { groups: [grantGroup(payload.grantId)] } : {};
        // A Session's uid and a DeviceCode's userCode never change, so an index is only ever overwritten
        // with the same id and never needs clearing on upsert.
        await Promise.all([
          kv.set(key, payload, ttl, { ...grantGroups, ...(grantId ? { unlessKey: reuseRevokedKey(grantId) } : {}) }),
          model === 'Session' && payload.uid ? kv.set(uidKey(payload.uid), id, ttl) : undefined,
          payload.userCode ? kv.set(userCodeKey(payload.userCode), id, ttl) : undefined,
        ]);
        forget(id); // a read that raced the write
      },

      find,
      findByUid: (uid) => findByIndex(uidKey(uid)),
      findByUserCode: (userCode) => findByIndex(userCodeKey(userCode)),

      async consume(id) {
        const key = recordKey(model, id);
        const [payload, remaining] = await Promise.all([kv.get<AdapterPayload>(key), kv.ttl(key)]);
        // Only a revocation removes a record between oidc-provider's find and this call.
        if (!payload) throw rejection(model);
        const markerTtl = remaining !== undefined && remaining > 0 && Number.isFinite(remaining) ? remaining : defaultTtl;
        if (await kv.setIfAbsent(consumedKey(model, id), epochSeconds(), markerTtl)) return;

        if (payload.grantId) {
          // Kept as long as a grant lives: long past the winning request, and grant ids are never reused.
          await kv.set(reuseRevokedKey(payload.grantId), epochSeconds(), defaultTtl);
          await revokeGrant(payload.grantId);
        }
        throw rejection(model);
      },

      async destroy(id) {
        forget(id);
        const key = recordKey(model, id);
        // Taken in the step that removes it: its indexes are known without a read before the delete.
        const [payload] = await Promise.all([kv.consume<AdapterPayload>(key), consumable ? kv.delete(consumedKey(model, id)) : undefined]);
        forget(id);
        if (!payload) return;
        // Only clear an index that still points here: a Session rotating its id destroys the old id and
        // saves the new one under the same uid.
        if (payload.uid) await deleteIndexIfPointsTo(kv, uidKey(payload.uid), id);
        if (payload.userCode) await deleteIndexIfPointsTo(kv, userCodeKey(payload.userCode), id);
      },

      /*
       * Deliberately leaves the Grant record alone: oidc-provider destroys it separately when its
       * revokeGrantPolicy says so, and that policy keeps the grant when only an access token is revoked.
       */
      async revokeByGrantId(grantId) {
        await kv.deleteGroup(grantGroup(grantId));
      },
    };
  };
}

async function deleteIndexIfPointsTo(kv: KvStore, indexKey: string, id: string): Promise<void> {
  if ((await kv.get<string>(indexKey)) === id) await kv.delete(indexKey);
}

/** The error oidc-provider would have raised had it seen the reuse itself. */
function rejection(model: string): Error {
  if (model === 'PushedAuthorizationRequest') {
    return new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
  }
  return new errors.InvalidGrant(`${describeModel(model)} already consumed`);
}

/** `AuthorizationCode` -> `authorization code`, as in oidc-provider's own messages. */
function describeModel(model: string): string {
  return model.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase();
}
