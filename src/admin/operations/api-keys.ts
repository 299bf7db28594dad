import { z } from 'zod';
import { createApiKeyInputSchema, type ApiKeysService } from '../../directory/api-keys.ts';
import { operation, type Operation } from '../route.ts';
import { apiKeyIdParams, apiKeyView, page, pageQuery } from '../schemas.ts';

const listQuery = pageQuery.extend({
  includeRevoked: z.enum(['true', 'false']).optional().transform((v) => v === 'true').describe('Also list revoked keys.'),
});

/* API keys: created, listed and revoked by the owner only; the secret is in the creation response, once. */
export function apiKeyOperations(apiKeys: ApiKeysService): Operation[] {
  return [
    operation({
      method: 'get', path: '/api-keys', operationId: 'listApiKeys', tag: 'API keys',
      summary: 'List the organisation\'s API keys (owner only).',
      query: listQuery,
      response: page(apiKeyView),
      handle: ({ actor, query }) => apiKeys.list(actor, query),
    }),
    operation({
      method: 'post', path: '/api-keys', operationId: 'createApiKey', tag: 'API keys',
      summary: 'Create an API key (owner only). The full key is in this response and never again.',
      body: createApiKeyInputSchema,
      status: 201,
      response: z.object({ apiKey: apiKeyView, key: z.string().describe('`bk_<prefix>_<secret>`: store it now.') }),
      handle: ({ actor, body }) => apiKeys.create(actor, body),
    }),
    operation({
      method: 'delete', path: '/api-keys/{apiKeyId}', operationId: 'revokeApiKey', tag: 'API keys',
      summary: 'Revoke an API key (owner only); it stops working at once.',
      params: apiKeyIdParams,
      response: apiKeyView,
      handle: ({ actor, params }) => apiKeys.revoke(actor, params.apiKeyId),
    }),
  ];
}
