import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * Bearer secrets (invitation links, password reset links, API keys):
 * - 32 random bytes (256 bits), base64url: unguessable, so a fast hash is enough to store them — there is no
 *   dictionary to try, unlike passwords (OWASP Forgot Password Cheat Sheet: store reset tokens hashed);
 * - only SHA-256 of a secret is stored, so a leaked database holds no usable link or key;
 * - comparisons of digests are constant-time.
 */

export const SECRET_BYTES = 32;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** Whether `value` has the shape of a secret made by newSecret (cheap check before any lookup). */
export function isSecretShaped(value: string): boolean {
  return SECRET_PATTERN.test(value);
}

/** SHA-256, base64url: what is stored instead of a secret. */
export function digestSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Constant-time equality of two digests made by digestSecret (false when their lengths differ). */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'base64url');
  const right = Buffer.from(b, 'base64url');
  return left.length === right.length && timingSafeEqual(left, right);
}

const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

/** `length` random characters of lower-case Crockford base32 (no `_` or `-`, so it can sit between separators). */
export function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}
