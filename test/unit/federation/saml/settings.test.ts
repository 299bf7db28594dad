import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/common/errors.ts';
import { amrFromAuthnContext } from '../../../../src/federation/saml/amr.ts';
import { describeCertificate } from '../../../../src/federation/saml/certificates.ts';
import { mapAssertionToIdentity, parseSamlMapping, resolveAttributeNames } from '../../../../src/federation/saml/mapping.ts';
import { parseSamlSettings } from '../../../../src/federation/saml/settings.ts';
import { createTestKeyPair, type TestKeyPair } from '../../../fixtures/saml/x509.ts';

function problems(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.details];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('SAML connection settings', () => {
  let keys: TestKeyPair;
  beforeAll(() => { keys = createTestKeyPair({ commonName: 'idp.example.test', notAfter: new Date('2031-01-01T00:00:00Z') }); });
  const valid = () => ({ idpEntityId: 'https://idp.example.test', ssoUrl: 'https://idp.example.test/sso', idpCertificates: [keys.certificatePem] });

  it('applies the safe defaults', () => {
    expect(parseSamlSettings(valid())).toMatchObject({
      ssoBinding: 'redirect', signAuthnRequests: false, decryptAssertions: false, allowIdpInitiated: false, allowSha1: false, clockSkewSeconds: 60,
    });
  });

  it('accepts bare base64 certificates and normalises them to PEM', () => {
    const settings = parseSamlSettings({ ...valid(), idpCertificates: [keys.certificateBase64] });
    expect(settings.idpCertificates[0]).toBe(keys.certificatePem);
  });

  it('names every problem by its dotted path', () => {
    const found = problems(() => parseSamlSettings({
      idpEntityId: '',
      ssoUrl: 'http://idp.example.test/sso',
      idpCertificates: [keys.certificatePem, 'not a certificate'],
      clockSkewSeconds: 301,
      allowSha1: 'yes',
      typo: true,
    }));
    expect(found.map((problem) => problem.path).sort()).toEqual([
      'settings.allowSha1', 'settings.clockSkewSeconds', 'settings.idpCertificates[1]', 'settings.idpEntityId', 'settings.ssoUrl', 'settings.typo',
    ]);
    expect(found.find((problem) => problem.path === 'settings.ssoUrl')?.message).toMatch(/https/);
    expect(found.find((problem) => problem.path === 'settings.idpCertificates[1]')?.message).toMatch(/certificate/);
  });

  it('takes one to five certificates', () => {
    expect(problems(() => parseSamlSettings({ ...valid(), idpCertificates: [] }))[0]?.path).toBe('settings.idpCertificates');
    const six = Array.from({ length: 6 }, () => keys.certificatePem);
    expect(problems(() => parseSamlSettings({ ...valid(), idpCertificates: six }))[0]?.path).toBe('settings.idpCertificates');
  });

  it('refuses RSA keys below 2048 bits', () => {
    const weak = createTestKeyPair({ modulusLength: 1024 });
    expect(problems(() => parseSamlSettings({ ...valid(), idpCertificates: [weak.certificatePem] }))[0]?.message).toMatch(/1024-bit/);
  });

  it('allows http only for a development IdP on this machine', () => {
    expect(parseSamlSettings({ ...valid(), ssoUrl: 'http://localhost:8080/sso' }).ssoUrl).toBe('http://localhost:8080/sso');
  });

  it('describes a certificate for the admin, expiry included', () => {
    expect(describeCertificate(keys.certificatePem)).toMatchObject({
      subject: 'CN=idp.example.test', notAfter: '2031-01-01T00:00:00.000Z', keyType: 'rsa', keyBits: 2048,
      fingerprintSha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
    });
  });
});

describe('SAML attribute mapping', () => {
  const ENTRA = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

  it('resolves preset names, with per-field overrides replacing them', () => {
    const names = resolveAttributeNames(parseSamlMapping({ preset: 'okta', attributes: { groups: ['teams', 'roles'] } }));
    expect(names.email).toEqual(['email', 'Email']);
    expect(names.groups).toEqual(['teams', 'roles']);
  });

  it('keeps keys it does not own (the directory\'s rules) and refuses unknown attribute fields', () => {
    expect(parseSamlMapping({ rules: [{ group: 'x' }] })).toMatchObject({ preset: 'generic', rules: [{ group: 'x' }] });
    expect(problems(() => parseSamlMapping({ attributes: { mail: 'x' } }))[0]?.path).toBe('mapping.attributes.mail');
    expect(problems(() => parseSamlMapping({ preset: 'shibboleth' }))[0]?.path).toBe('mapping.preset');
  });

  it('maps Entra ID claims', () => {
    const identity = mapAssertionToIdentity({
      [`${ENTRA}/emailaddress`]: ['ada@contoso.test'],
      'http://schemas.microsoft.com/identity/claims/displayname': ['Ada Lovelace'],
      [`${ENTRA}/givenname`]: ['Ada'],
      [`${ENTRA}/surname`]: ['Lovelace'],
      'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['5a3c1d2e-0000-4000-8000-000000000001', '5a3c1d2e-0000-4000-8000-000000000002'],
    }, { value: 'AAAAAAAAAAAAAAAAAAAAAGk', format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' }, parseSamlMapping({ preset: 'entra' }));
    expect(identity).toMatchObject({
      subject: 'AAAAAAAAAAAAAAAAAAAAAGk', email: 'ada@contoso.test', name: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace',
      groups: ['5a3c1d2e-0000-4000-8000-000000000001', '5a3c1d2e-0000-4000-8000-000000000002'],
    });
  });

  it('maps ADFS claims, Group and role together', () => {
    const identity = mapAssertionToIdentity({
      [`${ENTRA}/upn`]: ['bob@fabrikam.test'],
      'http://schemas.xmlsoap.org/claims/Group': ['Domain Users', 'Finance'],
      'http://schemas.microsoft.com/ws/2008/06/identity/claims/role': ['Finance', 'Approver'],
    }, { value: 'FABRIKAM\\bob' }, parseSamlMapping({ preset: 'adfs' }));
    expect(identity).toMatchObject({ subject: 'FABRIKAM\\bob', email: 'bob@fabrikam.test', groups: ['Domain Users', 'Finance', 'Approver'] });
  });

  it('maps Okta and Google Workspace attribute statements; composes a name from its parts', () => {
    const okta = mapAssertionToIdentity({ email: ['eve@okta.test'], firstName: ['Eve'], lastName: ['Moneypenny'], groups: ['Everyone'] },
      { value: '00u1abcd' }, parseSamlMapping({ preset: 'okta' }));
    expect(okta).toMatchObject({ email: 'eve@okta.test', name: 'Eve Moneypenny', groups: ['Everyone'] });
    const google = mapAssertionToIdentity({ firstName: ['Gil'] },
      { value: 'gil@workspace.test', format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress' }, parseSamlMapping({ preset: 'google' }));
    expect(google).toMatchObject({ email: 'gil@workspace.test', givenName: 'Gil', name: 'Gil', groups: [] });
  });

  it('takes an email from the NameID only when its format says it is one', () => {
    expect(mapAssertionToIdentity({}, { value: 'opaque-id' }, parseSamlMapping({})).email).toBeUndefined();
  });

  it('derives amr from the authentication context class', () => {
    expect(amrFromAuthnContext('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport')).toEqual(['pwd']);
    expect(amrFromAuthnContext('http://schemas.microsoft.com/claims/multipleauthn')).toEqual(['mfa']);
    expect(amrFromAuthnContext('urn:example:something-else')).toEqual([]);
    expect(amrFromAuthnContext(undefined)).toEqual([]);
  });
});
