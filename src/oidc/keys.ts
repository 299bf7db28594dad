import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'oidc-provider';
import type { Logger } from 'pino';
import { AppError, ConflictError, NotFoundError } from '../common/errors.ts';
import { newId } from '../common/ids.ts';
import { createPrivateJwkCipher } from './key-crypto.ts';
import type { SigningKey } from './model.ts';
import type { SigningKeyStore } from './ports.ts';

/*
 * The signing keys every instance shares, kept in the store with their private halves encrypted.
 *
 * Rotation is three steps, so that no token is ever signed with a key some instance does not publish yet
 * (a relying party that fetched our JWKS must find every kid it meets):
 *   1. rotate(alg)   adds a `next` key: published by every instance after its next reload, not signing;
 *   2. promote(alg)  once every instance has reloaded (at least one reload interval later): the oldest
 *                    `next` key becomes `active` and signs, the previous active key becomes `retired`;
 *   3. prune(ttl)    once the longest-lived signed token has expired (ttl = that lifetime in seconds):
 *                    deletes the retired keys nothing valid can refer to any more.
 * Instances notice each step by polling `version()` and rebuilding their provider from `jwks()`.
 */
export type SigningAlg = SigningKey['alg'];

export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

export interface KeyServiceDeps {
  keys: SigningKeyStore;
  encryptionSecret: string;
  now?: () => Date;
  logger?: Logger;
}

export interface KeyService {
  /** Creates an active key for every algorithm that has none. Safe to run on many instances at once. */
  ensureKeys(): Promise<void>;
  /** Private JWKs for oidc-provider's `jwks` configuration, the signing key of each algorithm first. */
  jwks(): Promise<{ keys: JWK[] }>;
  /** The public JWKs, in the same order: what the JWKS endpoint serves. */
  publicJwks(): Promise<{ keys: JWK[] }>;
  /** Changes whenever a key is added, changes status or is removed. */
  version(): Promise<string>;
  /** Step 1: adds a published, not yet signing, `next` key. */
  rotate(alg: SigningAlg): Promise<SigningKey>;
  /** Step 2: the oldest `next` key signs from now on; the active one is retired. */
  promote(alg: SigningAlg, options?: { minPublishedSeconds?: number }): Promise<SigningKey>;
  /** Step 3: deletes keys retired more than `maxTokenLifetimeSeconds` ago; returns them. */
  prune(maxTokenLifetimeSeconds: number): Promise<SigningKey[]>;
}

const STATUS_RANK: Record<SigningKey['status'], number> = { active: 0, next: 1, retired: 2 };

export function createKeyService(deps: KeyServiceDeps): KeyService {
  const { keys, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const cipher = createPrivateJwkCipher(deps.encryptionSecret);

  async function listAll(): Promise<SigningKey[]> {
    const all: SigningKey[] = [];
    let cursor: string | undefined;
    do {
      const page = await keys.list({ limit: 500, cursor });
      all.push(...page.items);
      cursor = page.next;
    } while (cursor !== undefined);
    return all;
  }

  async function createKey(alg: SigningAlg, status: 'active' | 'next', id: string): Promise<SigningKey> {
    const pair = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const annotations = { kid, alg, use: 'sig' };
    const privateJwk = { ...(await exportJWK(pair.privateKey)), ...annotations };
    const created = await keys.create({
      id,
      alg,
      publicJwk: { ...publicJwk, ...annotations },
      encryptedPrivateJwk: cipher.encrypt(privateJwk, id),
      status,
      activatedAt: status === 'active' ? now().toISOString() : null,
      retiredAt: null,
    });
    logger?.info({ keyId: id, kid, alg, status }, 'signing key created');
    return created;
  }

  /*
   * Instances that start together all find no active key. Each derives the new key's id from what it saw
   * (the algorithm and the ids of that algorithm's existing keys), so instances with the same view race to
   * create the same id: the store's id uniqueness lets exactly one insert succeed and the others get a
   * ConflictError, after which they read the winner's key. An instance that looks after the winner's insert
   * simply finds the active key. On an empty store this is a fixed id per algorithm.
   */
  async function ensureActive(alg: SigningAlg, existing: SigningKey[]): Promise<void> {
    if (existing.some((key) => key.status === 'active')) return;
    const seen = existing.map((key) => key.id).sort().join(',');
    const id = `${alg.toLowerCase()}-bootstrap-${createHash('sha256').update(seen).digest('hex').slice(0, 16)}`;
    try {
      await createKey(alg, 'active', id);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      if (!(await keys.findOne({ alg, status: 'active' }))) {
        throw new AppError(503, 'signing_keys_unsettled', `no active ${alg} signing key after a concurrent start; retry`);
      }
    }
  }

  async function ordered(): Promise<SigningKey[]> {
    return (await listAll()).sort(signingOrder);
  }

  return {
    async ensureKeys() {
      const all = await listAll();
      await Promise.all(SIGNING_ALGS.map((alg) => ensureActive(alg, all.filter((key) => key.alg === alg))));
    },

    async jwks() {
      return { keys: (await ordered()).map((key) => cipher.decrypt(key.encryptedPrivateJwk, key.id) as JWK) };
    },

    async publicJwks() {
      return { keys: (await ordered()).map((key) => ({ ...key.publicJwk }) as JWK) };
    },

    async version() {
      const states = (await listAll()).map((key) => `${key.id}:${key.status}:${key.version}`).sort();
      return createHash('sha256').update(states.join('\n')).digest('base64url');
    },

    rotate: (alg) => createKey(alg, 'next', newId()),

    async promote(alg, options = {}) {
      const candidates = (await listAll()).filter((key) => key.alg === alg && key.status === 'next');
      const next = candidates.sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id))[0];
      if (!next) throw new AppError(409, 'no_next_signing_key', `no ${alg} signing key awaits promotion; rotate first`);
      const publishedSeconds = (now().getTime() - Date.parse(next.createdAt)) / 1000;
      if (publishedSeconds < (options.minPublishedSeconds ?? 0)) {
        throw new AppError(409, 'signing_key_not_published_long_enough',
          `${alg} signing key ${next.id} was published ${Math.floor(publishedSeconds)}s ago; wait for every instance to reload`);
      }

      const at = now().toISOString();
      const promoted = await keys.update(next.id, (current) => {
        if (current.status !== 'next') throw new AppError(409, 'signing_key_changed', `signing key ${next.id} was promoted concurrently`);
        return { status: 'active', activatedAt: at };
      });
      // Until the old key is retired both are active; the later activation signs (see signingOrder).
      const previous = (await listAll()).filter((key) => key.alg === alg && key.status === 'active' && key.id !== promoted.id);
      for (const key of previous) {
        await keys.update(key.id, (current) => (current.status === 'active' ? { status: 'retired', retiredAt: at } : {}));
      }
      logger?.info({ keyId: promoted.id, alg, retired: previous.map((key) => key.id) }, 'signing key promoted');
      return promoted;
    },

    async prune(maxTokenLifetimeSeconds) {
      const cutoff = now().getTime() - maxTokenLifetimeSeconds * 1000;
      const expired = (await listAll()).filter(
        (key) => key.status === 'retired' && key.retiredAt !== null && Date.parse(key.retiredAt) < cutoff,
      );
      for (const key of expired) {
        try {
          await keys.delete(key.id);
        } catch (error) {
          // Another instance pruned it first.
          if (!(error instanceof NotFoundError)) throw error;
        }
      }
      if (expired.length > 0) logger?.info({ keyIds: expired.map((key) => key.id) }, 'retired signing keys pruned');
      return expired;
    },
  };
}

/*
 * oidc-provider signs with the first key of its keystore that fits the algorithm (KeyStore#selectForSign
 * filters in array order, then stable-sorts by how many of alg/use a key declares, which all of ours
 * declare), so the active key of each algorithm must come before that algorithm's other keys. When two
 * keys are active for a moment (during promote), the most recently activated one signs, on every instance.
 */
function signingOrder(a: SigningKey, b: SigningKey): number {
  return (
    STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
    compare(b.activatedAt ?? '', a.activatedAt ?? '') ||
    compare(a.createdAt, b.createdAt) ||
    compare(a.id, b.id)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
