import type { IDToken } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { GoogleSignInError } from '../../../../src/federation/google/errors.ts';
import { DEFAULT_GOOGLE_CONNECTION_ID, identityFromIdToken } from '../../../../src/federation/google/identity.ts';

const TRANSACTION = { codeVerifier: 'v', nonce: 'n', createdAt: '2026-03-02T09:00:00.000Z' };
const claims = (extra: Record<string, unknown>): IDToken => ({
  iss: 'https://accounts.google.com', aud: 'client', sub: '1234567890', iat: 1, exp: 2, nonce: 'n', azp: 'client', at_hash: 'h',
  ...extra,
});

const refusal = (extra: Record<string, unknown>) => {
  try {
    identityFromIdToken(claims(extra), TRANSACTION);
  } catch (error) {
    expect(error).toBeInstanceOf(GoogleSignInError);
    return (error as GoogleSignInError).code;
  }
  return 'accepted';
};

describe('identityFromIdToken', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['verified', { email: 'ada@acme.test', email_verified: true }, 'accepted'],
    ['unverified', { email: 'ada@acme.test', email_verified: false }, 'google_email_unverified'],
    ['email_verified missing', { email: 'ada@acme.test' }, 'google_email_unverified'],
    ['email_verified as the string "true"', { email: 'ada@acme.test', email_verified: 'true' }, 'google_email_unverified'],
    ['email_verified as 1', { email: 'ada@acme.test', email_verified: 1 }, 'google_email_unverified'],
    ['no email', { email_verified: true }, 'google_email_unverified'],
    ['an empty email', { email: ' ', email_verified: true }, 'google_email_unverified'],
  ])('%s', (_case, extra, expected) => {
    expect(refusal(extra)).toBe(expected);
  });

  it('keys the identity on sub and carries the profile, hd in lower case and no token mechanics', () => {
    const identity = identityFromIdToken(
      claims({ email: 'Ada@Acme.test', email_verified: true, hd: 'Acme.Test', name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', picture: 'https://x/p.png' }),
      { ...TRANSACTION, orgId: 'org-1', connectionId: 'conn-1' },
    );
    expect(identity).toEqual({
      connectionId: 'conn-1', orgId: 'org-1', protocol: 'google', subject: '1234567890',
      email: 'Ada@Acme.test', emailVerified: true, hostedDomain: 'acme.test',
      name: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace', groups: [], amr: [],
      attributes: {
        sub: ['1234567890'], email: ['Ada@Acme.test'], email_verified: ['true'], hd: ['Acme.Test'],
        name: ['Ada Lovelace'], given_name: ['Ada'], family_name: ['Lovelace'], picture: ['https://x/p.png'],
      },
    });
  });

  it('leaves hd out for a consumer account and defaults the connection when the journey named none', () => {
    const identity = identityFromIdToken(claims({ email: 'ada@gmail.test', email_verified: true }), TRANSACTION);
    expect(identity).not.toHaveProperty('hostedDomain');
    expect(identity.connectionId).toBe(DEFAULT_GOOGLE_CONNECTION_ID);
    expect(identity.orgId).toBe('');
  });

  it('passes acr and string amr values through', () => {
    const identity = identityFromIdToken(claims({ email: 'a@b.test', email_verified: true, acr: 'urn:x', amr: ['pwd', 3, 'mfa'] }), TRANSACTION);
    expect(identity).toMatchObject({ authnContext: 'urn:x', amr: ['pwd', 'mfa'] });
  });
});
