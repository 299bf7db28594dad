import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import type { Client } from './model.ts';

/*
 * Relying apps come from the store. Client secrets are stored as SHA-256 digests: they are 256-bit random
 * values we generate, so a fast hash is enough (no dictionary to attack) and the token endpoint stays fast.
 * oidc-provider compares `client_secret` itself, so the metadata carries the digest and the comparison is
 * replaced (see installSecretDigestComparison).
 */
const DIGEST_PREFIX = 'sha256:';

export function digestClientSecret(secret: string): string {
  return DIGEST_PREFIX + createHash('sha256').update(secret, 'utf8').digest('base64url');
}

export function clientSecretMatches(storedDigest: string | undefined, presented: string): boolean {
  if (!storedDigest?.startsWith(DIGEST_PREFIX)) return false;
  const expected = Buffer.from(storedDigest);
  const actual = Buffer.from(digestClientSecret(presented));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The store's client as oidc-provider metadata. Only the code flow: no implicit or hybrid response types. */
export function toClientMetadata(client: Client): ClientMetadata {
  return {
    client_id: client.id,
    client_name: client.name,
    ...(client.clientSecretHash ? { client_secret: client.clientSecretHash } : {}),
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
  };
}
