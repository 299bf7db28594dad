import { hash, parseOptions, verify, type Algorithm } from '@node-rs/argon2';

/*
 * Password hashing: argon2id with the OWASP Password Storage Cheat Sheet's first configuration
 * (m=19456 KiB, t=2, p=1), stored as a PHC string ($argon2id$v=19$m=19456,t=2,p=1$salt$hash) so that the
 * parameters travel with the hash and can be raised later (`passwordNeedsRehash`).
 */
export const PASSWORD_HASH_OPTIONS = {
  // Algorithm.Argon2id: the package declares a `const enum`, which verbatimModuleSyntax cannot read by name.
  algorithm: 2 as Algorithm,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * A hash of a random password nobody knows, made with PASSWORD_HASH_OPTIONS. Verifying against it costs what
 * verifying a real user's password costs, so "unknown email" and "wrong password" take the same time.
 */
export const DUMMY_PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$pa7N0G5FUL1RNEu4LQ1aYQ$9MrNqG5GRoWhKppMiXIc7hU/sTuE3g2p+R2H4PJR/jQ';

export function hashPassword(plain: string): Promise<string> {
  return hash(plain, PASSWORD_HASH_OPTIONS);
}

/** False for a wrong password and for anything that is not an argon2 PHC string (never throws on bad input). */
export async function verifyPassword(passwordHash: string, plain: string): Promise<boolean> {
  try {
    return await verify(passwordHash, plain);
  } catch {
    return false;
  }
}

/**
 * Spends the work of one password check on nothing: call it when there is no user (or no password hash) to
 * check against, so that the response time does not reveal whether the email is known.
 */
export async function verifyNothing(plain: string): Promise<void> {
  await verifyPassword(DUMMY_PASSWORD_HASH, plain);
}

/** Checks `plain` against the user's hash, or spends the same work on the dummy hash when there is none. */
export async function verifyPasswordOrNothing(passwordHash: string | null | undefined, plain: string): Promise<boolean> {
  if (passwordHash) return verifyPassword(passwordHash, plain);
  await verifyNothing(plain);
  return false;
}

/** True when a stored hash was made with other (older, weaker) parameters: rehash after a successful sign-in. */
export function passwordNeedsRehash(passwordHash: string): boolean {
  try {
    const used = parseOptions(passwordHash);
    return used.algorithm !== PASSWORD_HASH_OPTIONS.algorithm
      || used.memoryCost !== PASSWORD_HASH_OPTIONS.memoryCost
      || used.timeCost !== PASSWORD_HASH_OPTIONS.timeCost
      || used.parallelism !== PASSWORD_HASH_OPTIONS.parallelism;
  } catch {
    return true;
  }
}

