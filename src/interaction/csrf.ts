import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

/*
 * CSRF tokens for the sign-in forms: an HMAC of the interaction uid under the first cookie key. The
 * interaction cookie is SameSite=Lax already; the token also covers same-site attackers and old browsers.
 */
export function createCsrf(secret: string) {
  const key = createSecretKey(Buffer.from(secret, 'utf8')); // prepared once, not on every HMAC
  const tokenFor = (uid: string) => createHmac('sha256', key).update(`csrf:${uid}`).digest('base64url');
  return {
    tokenFor,
    verify(uid: string, presented: unknown): boolean {
      if (typeof presented !== 'string') return false;
      const expected = Buffer.from(tokenFor(uid));
      const actual = Buffer.from(presented);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}

export type Csrf = ReturnType<typeof createCsrf>;
