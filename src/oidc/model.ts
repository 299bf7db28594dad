import type { Entity } from '../common/entity.ts';

/** A relying app. `id` is its client_id. */
export interface Client extends Entity {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: ('authorization_code' | 'refresh_token' | 'client_credentials')[];
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  /** Hash of the client secret (shown once); null for public clients. */
  clientSecretHash: string | null;
  /** First-party apps skip the consent screen. */
  firstParty: boolean;
  /** Organisations whose members may use this client; empty = all. */
  allowedOrgIds: string[];
  idTokenSignedResponseAlg: 'ES256' | 'RS256';
}

/**
 * A signing key shared by every instance. Life cycle: `next` (published, not yet signing) -> `active`
 * (signing) -> `retired` (published until tokens it signed have expired) -> deleted.
 */
export interface SigningKey extends Entity {
  alg: 'ES256' | 'RS256';
  publicJwk: Record<string, unknown>;
  /** Private JWK encrypted with the configured key-encryption secret (AES-256-GCM, base64url). */
  encryptedPrivateJwk: string;
  status: 'next' | 'active' | 'retired';
  activatedAt: string | null;
  retiredAt: string | null;
}
