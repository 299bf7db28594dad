/*
 * Authentication methods (RFC 8176) implied by a SAML AuthnContextClassRef (SAML Authn Context 3.4). Only
 * classes that say something definite are mapped; an unknown class implies nothing rather than a guess.
 */
const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:';

const AMR_BY_CLASS: Readonly<Record<string, readonly string[]>> = {
  [`${AC}Password`]: ['pwd'],
  [`${AC}PasswordProtectedTransport`]: ['pwd'],
  [`${AC}Smartcard`]: ['sc'],
  [`${AC}SmartcardPKI`]: ['sc', 'pin', 'mfa'],
  [`${AC}TimeSyncToken`]: ['otp'],
  [`${AC}MobileTwoFactorContract`]: ['mfa'],
  [`${AC}MobileTwoFactorUnregistered`]: ['mfa'],
  // Entra ID and ADFS state multi-factor authentication with this class.
  'http://schemas.microsoft.com/claims/multipleauthn': ['mfa'],
  // REFEDS MFA Profile.
  'https://refeds.org/profile/mfa': ['mfa'],
};

export function amrFromAuthnContext(classRef: string | undefined): string[] {
  return classRef ? [...(AMR_BY_CLASS[classRef] ?? [])] : [];
}
