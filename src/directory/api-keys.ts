import { z } from 'zod';
import { ConflictError } from '../common/errors.ts';
import { actorRef, type Actor } from './actor.ts';
import { assertCanGrant, findInOrganization, requireOwner } from './access.ts';
import { audited } from './audit.ts';
import type { DirectoryContext, DirectoryStores } from './context.ts';
import { cleanBindings, idSchema, pageSchema, parseInput, roleBindingsSchema, type Page } from './input.ts';
import type { ApiKey } from './model.ts';
import { digestSecret, digestsEqual, newSecret, randomBase32 } from './secrets.ts';

/*
 * Organisation API keys (the seeds: "only the owner can access API keys"):
 * - created, listed and revoked by a user bound to the owner role (never by a key)
 * - `bk_<prefix>_<secret>`: a 12-character base32 prefix, public and unique, to find the key; a 32-byte base64url
 *   secret of which only SHA-256 is stored; the whole key is returned once, at creation
 * - a key acts with its own role bindings, chosen at creation within what its creator may grant
 * - authentication compares digests in constant time, spends the same work on an unknown prefix, refuses
 *   revoked keys, and records use at most once a minute (not a write per request)
 */

export const API_KEY_PREFIX_LENGTH = 12;
const KEY_PATTERN = /^bk_([0-9a-z]{12})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_RESOLUTION_MS = 60_000;
const UNKNOWN_KEY_DIGEST = digestSecret('unknown key');

export const createApiKeyInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).describe('What the key is for, e.g. "CI deploys".'),
  roles: roleBindingsSchema.min(1).describe('Role bindings the key acts with.'),
});
export type CreateApiKeyInput = z.input<typeof createApiKeyInputSchema>;

export const listApiKeysInputSchema = z.strictObject({
  includeRevoked: z.boolean().default(false),
  ...pageSchema,
});
export type ListApiKeysInput = z.input<typeof listApiKeysInputSchema>;

/** A key as listed: no secret, no digest. */
export type ApiKeyView = Omit<ApiKey, 'secretHash'>;

export interface CreatedApiKey {
  apiKey: ApiKeyView;
  /** The full key: shown to the owner once, never again. */
  key: string;
}

export interface ApiKeysService {
  create(actor: Actor, input: CreateApiKeyInput): Promise<CreatedApiKey>;
  list(actor: Actor, input?: ListApiKeysInput): Promise<Page<ApiKeyView>>;
  revoke(actor: Actor, apiKeyId: string): Promise<ApiKeyView>;
  /** The key a bearer credential names, if it is valid and not revoked. */
  authenticate(presented: string): Promise<ApiKey | undefined>;
}

export function toApiKeyView(key: ApiKey): ApiKeyView {
  const { secretHash: _secret, ...rest } = key;
  return rest;
}

export async function authenticateApiKey(
  stores: Pick<DirectoryStores, 'apiKeys'>,
  presented: string,
  now: () => Date = () => new Date(),
): Promise<ApiKey | undefined> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return undefined;
  const key = await stores.apiKeys.findByPrefix(match[1]!);
  const matches = digestsEqual(digestSecret(match[2]!), key?.secretHash ?? UNKNOWN_KEY_DIGEST);
  if (!key || !matches || key.revokedAt !== null) return undefined;
  const at = now();
  if (key.lastUsedAt === null || at.getTime() - Date.parse(key.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
    // Best effort: failing to note the use must not fail the request.
    await stores.apiKeys.update(key.id, { lastUsedAt: at.toISOString() }).catch(() => undefined);
  }
  return key;
}

export function createApiKeysService(ctx: DirectoryContext): ApiKeysService {
  const { stores } = ctx;

  async function insert(actor: Actor, name: string, roles: ApiKey['roles']): Promise<CreatedApiKey> {
    for (let attempt = 0; ; attempt++) {
      const prefix = randomBase32(API_KEY_PREFIX_LENGTH);
      const secret = newSecret();
      try {
        const apiKey = await stores.apiKeys.create({
          orgId: actor.orgId, name, prefix, secretHash: digestSecret(secret), roles, createdBy: actorRef(actor),
          lastUsedAt: null, revokedAt: null,
        });
        return { apiKey: toApiKeyView(apiKey), key: `bk_${prefix}_${secret}` };
      } catch (error) {
        // 60 random bits: a taken prefix is next to impossible, but cheap to survive.
        if (!(error instanceof ConflictError) || attempt >= 2) throw error;
      }
    }
  }

  return {
    create(actor, input) {
      return audited(stores, actor, 'api_key.created', null, async () => {
        requireOwner(actor, 'create API keys');
        const request = parseInput(createApiKeyInputSchema, input);
        assertCanGrant(ctx.catalog, actor, request.roles, 'roles');
        const created = await insert(actor, request.name, cleanBindings(request.roles));
        return {
          result: created,
          target: `apikey:${created.apiKey.id}`,
          details: { name: created.apiKey.name, prefix: created.apiKey.prefix, roles: created.apiKey.roles },
        };
      });
    },

    async list(actor, input = {}) {
      requireOwner(actor, 'see API keys');
      const { includeRevoked, cursor, limit } = parseInput(listApiKeysInputSchema, input);
      const page = await stores.apiKeys.list({
        where: { orgId: actor.orgId, ...(includeRevoked ? {} : { revokedAt: null }) },
        ...(cursor ? { cursor } : {}),
        ...(limit ? { limit } : {}),
      });
      return { ...page, items: page.items.map(toApiKeyView) };
    },

    revoke(actor, apiKeyId) {
      return audited(stores, actor, 'api_key.revoked', `apikey:${apiKeyId}`, async () => {
        requireOwner(actor, 'revoke API keys');
        const key = await findInOrganization(stores.apiKeys, parseInput(idSchema, apiKeyId), actor.orgId, 'API key');
        const revokedAt = ctx.now().toISOString();
        const updated = key.revokedAt ? key : await stores.apiKeys.update(key.id, (current) => (current.revokedAt ? {} : { revokedAt }));
        return { result: toApiKeyView(updated), details: { name: key.name, prefix: key.prefix } };
      });
    },

    authenticate: (presented) => authenticateApiKey(stores, presented, ctx.now),
  };
}
