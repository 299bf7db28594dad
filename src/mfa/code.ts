import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/*
 * - six decimal digits from the CSPRNG: randomInt is uniform over [0, 10^6) (it rejects biased samples
 *   instead of taking a modulo), and leading zeros are kept, so every one of the 10^6 codes is equally likely
 * - only a keyed hash is stored. 10^6 codes make any unkeyed hash (even salted with the challenge id)
 *   reversible in well under a second by whoever can read Redis; HMAC-SHA-256 under a key that lives in the
 *   configuration, not in Redis, leaves such a reader nothing to try codes against
 * - the hash binds the code to its challenge, user and issue (`codeId`): a digest copied onto another
 *   challenge or user does not verify there
 */

export const CODE_DIGITS = 6;
const CODE_SPACE = 10 ** CODE_DIGITS;

/** Bytes of HMAC key asked for: the output size of SHA-256 (RFC 2104 §3: shorter keys weaken the MAC). */
export const MIN_CODE_KEY_BYTES = 32;

export function generateCode(): string {
  return randomInt(0, CODE_SPACE).toString().padStart(CODE_DIGITS, '0');
}

/** What a user may type: digits, with the spaces or dashes people add when copying "123 456". */
export function normalizeCodeInput(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export interface CodeBinding {
  challengeId: string;
  userId: string;
  codeId: string;
}

export function digestCode(key: Uint8Array, binding: CodeBinding, code: string): string {
  // JSON of an array: unambiguous however the ids are spelled (no separator an id could contain).
  const input = JSON.stringify([binding.challengeId, binding.userId, binding.codeId, code]);
  return createHmac('sha256', key).update(input, 'utf8').digest('base64url');
}

/** Constant-time comparison of two digests made by digestCode. */
export function digestsMatch(expected: string, actual: string): boolean {
  const left = Buffer.from(expected, 'base64url');
  const right = Buffer.from(actual, 'base64url');
  return left.length === right.length && timingSafeEqual(left, right);
}
