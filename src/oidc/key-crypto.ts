import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../common/errors.ts';

/*
 * Private signing JWKs at rest:
 * - AES-256-GCM under a key derived from the configured secret with HKDF-SHA-256 (RFC 5869), so the secret
 *   may be any high-entropy string and the derived key is used for this one purpose only
 * - a random 96-bit IV per encryption (NIST SP 800-38D §8.2.2), stored as base64url(iv | ciphertext | tag)
 * - the store record's id is the additional authenticated data: a ciphertext moved to another record
 *   fails authentication instead of giving that record a different private key
 */
const HKDF_SALT = 'bridgekeeper signing keys';
const HKDF_INFO = 'private jwk encryption, aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored private key could not be decrypted: the secret changed, or the record was altered. */
export class SigningKeyDecryptionError extends AppError {
  readonly keyId: string;

  constructor(keyId: string, options?: ErrorOptions) {
    super(
      500,
      'signing_key_undecryptable',
      `signing key ${keyId} cannot be decrypted: the signing-key encryption secret is not the one it was ` +
        'encrypted with, or the stored record was altered',
      options,
    );
    this.keyId = keyId;
  }
}

export interface PrivateJwkCipher {
  encrypt(jwk: Record<string, unknown>, keyId: string): string;
  /** @throws SigningKeyDecryptionError */
  decrypt(sealed: string, keyId: string): Record<string, unknown>;
}

export function createPrivateJwkCipher(secret: string): PrivateJwkCipher {
  if (secret.length === 0) throw new TypeError('the signing-key encryption secret must not be empty');
  const key = Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, 32));
  const aad = (keyId: string) => Buffer.from(`signing key ${keyId}`, 'utf8');

  return {
    encrypt(jwk, keyId) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }).setAAD(aad(keyId));
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
    },

    decrypt(sealed, keyId) {
      const bytes = Buffer.from(sealed, 'base64url');
      if (bytes.length <= IV_BYTES + TAG_BYTES) throw new SigningKeyDecryptionError(keyId);
      const iv = bytes.subarray(0, IV_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      const ciphertext = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
          .setAAD(aad(keyId))
          .setAuthTag(tag);
        const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
        return JSON.parse(plaintext) as Record<string, unknown>;
      } catch (error) {
        // OpenSSL only says "unable to authenticate data"; name the likely cause instead.
        throw new SigningKeyDecryptionError(keyId, { cause: error });
      }
    },
  };
}
