import type { IDToken } from 'openid-client';
import type { ExternalIdentity } from '../connector.ts';
import { GoogleSignInError } from './errors.ts';
import type { GoogleTransaction } from './transaction.ts';

/*
 * A validated Google ID token as the normalised identity:
 * - keyed on `sub`, never the email: Google documents `sub` as the account's unique, never reused identifier,
 *   while an address can change hands or be renamed ("Authenticate with a backend server", OIDC Core 5.7)
 * - `email_verified` must be exactly true: an unverified address proves nothing about who holds it, and the
 *   journey links and routes by email (OIDC Core 5.1, 5.7)
 * - `hd` is the account's Workspace domain, absent for consumer accounts; the login policy decides on it
 */
export const DEFAULT_GOOGLE_CONNECTION_ID = 'google';

/** Token mechanics, not statements about the person: left out of `attributes`. */
const TOKEN_CLAIMS = new Set(['iss', 'aud', 'azp', 'exp', 'iat', 'nbf', 'nonce', 'at_hash', 'c_hash', 'jti', 'sid', 'auth_time']);

export function identityFromIdToken(claims: IDToken, transaction: GoogleTransaction): ExternalIdentity {
  const email = text(claims.email);
  if (!email || claims.email_verified !== true) {
    throw new GoogleSignInError('google_email_unverified', email
      ? `Google has not verified ${email} (email_verified is ${JSON.stringify(claims.email_verified ?? null)})`
      : 'The ID token carries no email address');
  }
  const hostedDomain = text(claims.hd)?.toLowerCase();
  const acr = text(claims.acr);
  return {
    connectionId: transaction.connectionId ?? DEFAULT_GOOGLE_CONNECTION_ID,
    // Empty until the journey resolves the organisation, when the sign-in started before one was known.
    orgId: transaction.orgId ?? '',
    protocol: 'google',
    subject: claims.sub,
    email,
    emailVerified: true,
    ...optional('name', text(claims.name)),
    ...optional('givenName', text(claims.given_name)),
    ...optional('familyName', text(claims.family_name)),
    ...optional('hostedDomain', hostedDomain),
    ...optional('authnContext', acr),
    groups: [],
    attributes: attributesOf(claims),
    amr: Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : [],
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function attributesOf(claims: IDToken): Record<string, string[]> {
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (TOKEN_CLAIMS.has(name)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[name] = [String(value)];
    else if (Array.isArray(value)) attributes[name] = value.filter((v) => typeof v === 'string');
  }
  return attributes;
}
