import { z } from 'zod';
import { ValidationError } from '../../common/errors.ts';
import { issueProblems } from '../../common/problems.ts';
import { normalizeCertificate } from './certificates.ts';

/*
 * A SAML connection's `settings`, validated eagerly so a broken connection is refused when an admin saves it,
 * not when the first person tries to sign in. Every check of a response that a real IdP might legitimately
 * fail (SHA-1, IdP-initiated sign-in) is off unless the admin turns it on here.
 */

/** https, or http to this machine only (a development IdP). Browsers are sent to these URLs. */
const endpointUrl = z.url({ protocol: /^https?$/ }).refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}, 'must be an https URL (http is accepted for localhost only)');

const certificate = z.string().max(16_384).transform((value, ctx) => {
  try {
    return normalizeCertificate(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `certificate ${(error as Error).message}` });
    return z.NEVER;
  }
});

export const NAME_ID_FORMATS = {
  emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
} as const;

export const samlSettingsSchema = z.strictObject({
  idpEntityId: z.string().trim().min(1).max(1024).describe('The IdP\'s entityID; must equal the Issuer of every response.'),
  ssoUrl: endpointUrl.describe('The IdP\'s SingleSignOnService location for the HTTP-Redirect binding.'),
  ssoBinding: z.literal('redirect').default('redirect').describe('How AuthnRequests are sent (HTTP-Redirect only).'),
  idpCertificates: z.array(certificate).min(1).max(5)
    .describe('IdP signing certificates (PEM); list the old and the new one during a rollover.'),
  metadataUrl: endpointUrl.optional().describe('Where the IdP publishes its metadata, for refreshing certificates.'),
  spEntityId: z.string().trim().min(1).max(1024).optional()
    .describe('Our entity ID as the IdP knows it; defaults to the connection\'s own URL.'),
  signAuthnRequests: z.boolean().default(false).describe('Sign AuthnRequests with the SP key (needs SP keys configured).'),
  decryptAssertions: z.boolean().default(false)
    .describe('Accept assertions encrypted to the SP key (needs SP keys configured); plain ones stay accepted.'),
  allowIdpInitiated: z.boolean().default(false)
    .describe('Accept unsolicited responses (IdP-initiated sign-in). Every other check still applies.'),
  idpInitiatedLoginUrl: endpointUrl.optional()
    .describe('Where an accepted IdP-initiated response sends the browser: the relying app\'s login-initiation URL (OpenID Connect Core 4, `initiate_login_uri`), which starts a normal sign-in.'),
  allowSha1: z.boolean().default(false).describe('Accept SHA-1 signatures and digests (legacy IdPs only).'),
  clockSkewSeconds: z.number().int().min(0).max(300).default(60)
    .describe('Tolerance for NotBefore / NotOnOrAfter between our clock and the IdP\'s.'),
  nameIdFormat: z.string().trim().min(1).max(256).optional()
    .describe('NameIDPolicy Format to request; absent = let the IdP choose.'),
});

export type SamlSettings = z.output<typeof samlSettingsSchema>;
export type SamlSettingsInput = z.input<typeof samlSettingsSchema>;

/** @throws ValidationError naming each problem by its dotted path under `settings`. */
export function parseSamlSettings(input: unknown): SamlSettings {
  const result = samlSettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.flatMap((issue) => issueProblems(issue, ['settings']));
  throw new ValidationError('Invalid SAML connection settings', details);
}
