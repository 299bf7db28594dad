import { beforeAll, describe, expect, it } from 'vitest';
import { SamlMetadataError } from '../../../../src/federation/saml/errors.ts';
import { parseIdpMetadata, settingsFromMetadata } from '../../../../src/federation/saml/metadata.ts';
import { parseSamlSettings } from '../../../../src/federation/saml/settings.ts';
import { buildSpMetadata } from '../../../../src/federation/saml/sp-metadata.ts';
import { parseXml } from '../../../../src/federation/saml/xml.ts';
import { createTestIdp } from '../../../fixtures/saml/idp.ts';
import { adfsLikeMetadata, oktaLikeMetadata } from '../../../fixtures/saml/metadata-samples.ts';
import { createTestKeyPair, type TestKeyPair } from '../../../fixtures/saml/x509.ts';

function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof SamlMetadataError) return error.reason;
    throw error;
  }
  throw new Error('expected a SamlMetadataError');
}

describe('IdP metadata', () => {
  let signing: TestKeyPair;
  let next: TestKeyPair;
  let encryption: TestKeyPair;
  beforeAll(() => {
    signing = createTestKeyPair({ commonName: 'signing' });
    next = createTestKeyPair({ commonName: 'signing-next' });
    encryption = createTestKeyPair({ commonName: 'encryption' });
  });

  it('reads Okta-style metadata into settings an admin can save', () => {
    const metadata = parseIdpMetadata(oktaLikeMetadata({ entityId: 'http://www.okta.test/exk1', signingCert: signing.certificateBase64 }));
    expect(metadata).toEqual({
      idpEntityId: 'http://www.okta.test/exk1',
      ssoUrl: 'https://acme.okta.test/app/acme_bridgekeeper_1/exk1/sso/saml',
      ssoPostUrl: 'https://acme.okta.test/app/acme_bridgekeeper_1/exk1/sso/saml',
      idpCertificates: [signing.certificatePem],
      nameIdFormats: ['urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified', 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
      wantAuthnRequestsSigned: false,
    });
    expect(parseSamlSettings(settingsFromMetadata(metadata))).toMatchObject({ idpEntityId: 'http://www.okta.test/exk1', signAuthnRequests: false });
  });

  it('reads ADFS-style metadata: signing keys of the IdP role only, both during a rollover, no encryption key', () => {
    const metadata = parseIdpMetadata(adfsLikeMetadata({
      entityId: 'http://adfs.fabrikam.test/adfs/services/trust',
      signingCerts: [signing.certificateBase64, next.certificateBase64],
      encryptionCert: encryption.certificateBase64,
    }));
    expect(metadata.idpCertificates).toEqual([signing.certificatePem, next.certificatePem]);
    expect(metadata.ssoUrl).toBe('https://adfs.fabrikam.test/adfs/ls/');
    expect(metadata.nameIdFormats).toHaveLength(3);
  });

  it('reads what samlify publishes as an IdP', () => {
    const idp = createTestIdp({ keys: signing });
    const metadata = parseIdpMetadata(idp.metadataXml());
    expect(metadata).toMatchObject({ idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl, idpCertificates: [signing.certificatePem] });
  });

  it('picks an entity out of an aggregate: the only IdP, or the one named', () => {
    const okta = oktaLikeMetadata({ entityId: 'urn:idp:one', signingCert: signing.certificateBase64 }).replace(/^<\?xml[^>]*\?>/, '');
    const other = okta.replace('urn:idp:one', 'urn:idp:two');
    const sp = '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>';
    const aggregate = (...entities: string[]) => `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${entities.join('')}</md:EntitiesDescriptor>`;

    expect(parseIdpMetadata(aggregate(sp, okta)).idpEntityId).toBe('urn:idp:one');
    expect(reasonOf(() => parseIdpMetadata(aggregate(okta, other)))).toBe('entity_ambiguous');
    expect(parseIdpMetadata(aggregate(okta, other), { entityId: 'urn:idp:two' }).idpEntityId).toBe('urn:idp:two');
    expect(reasonOf(() => parseIdpMetadata(aggregate(okta), { entityId: 'urn:idp:three' }))).toBe('entity_not_found');
  });

  it('refuses what cannot configure a connection', () => {
    const okta = oktaLikeMetadata({ entityId: 'urn:idp', signingCert: signing.certificateBase64 });
    expect(reasonOf(() => parseIdpMetadata(`<!DOCTYPE x [<!ENTITY a "b">]>${okta.replace(/^<\?xml[^>]*\?>/, '')}`))).toBe('doctype');
    expect(reasonOf(() => parseIdpMetadata(okta.replace('</md:EntityDescriptor>', `<!--${'x'.repeat(1024 * 1024)}--></md:EntityDescriptor>`)))).toBe('too_large');
    expect(reasonOf(() => parseIdpMetadata('<md:EntityDescriptor'))).toBe('malformed');
    expect(reasonOf(() => parseIdpMetadata('<html><body>Sign in</body></html>'))).toBe('malformed');
    expect(reasonOf(() => parseIdpMetadata(okta.replaceAll('IDPSSODescriptor', 'SPSSODescriptor')))).toBe('no_idp_descriptor');
    expect(reasonOf(() => parseIdpMetadata(okta.replace(/<md:KeyDescriptor[\s\S]*<\/md:KeyDescriptor>/, '')))).toBe('no_certificate');
    expect(reasonOf(() => parseIdpMetadata(okta.replace('use="signing"', 'use="encryption"')))).toBe('no_certificate');
    expect(reasonOf(() => parseIdpMetadata(okta.replace(/<md:SingleSignOnService[^>]*>/g, '')))).toBe('no_sso_service');
    const postOnly = parseIdpMetadata(okta.replace(/<md:SingleSignOnService Binding="[^"]*HTTP-Redirect"[^>]*>/, ''));
    expect(reasonOf(() => settingsFromMetadata(postOnly))).toBe('no_sso_service');
  });
});

describe('SP metadata', () => {
  it('describes our entity, ACS and certificates for the IdP admin', () => {
    const keys = createTestKeyPair();
    const xml = buildSpMetadata({
      spEntityId: 'https://login.example.test/saml/c&1',
      acsUrl: 'https://login.example.test/saml/c&1/acs',
      signingCert: keys.certificatePem,
      encryptionCert: keys.certificatePem,
      wantAssertionsSigned: true,
    });
    const doc = parseXml(xml);
    const md = 'urn:oasis:names:tc:SAML:2.0:metadata';
    const descriptor = doc.getElementsByTagNameNS(md, 'SPSSODescriptor')[0];
    expect(doc.documentElement.getAttribute('entityID')).toBe('https://login.example.test/saml/c&1');
    expect(descriptor?.getAttribute('WantAssertionsSigned')).toBe('true');
    expect(descriptor?.getAttribute('AuthnRequestsSigned')).toBe('true');
    expect(Array.from(doc.getElementsByTagNameNS(md, 'KeyDescriptor')).map((key) => key.getAttribute('use'))).toEqual(['signing', 'encryption']);
    expect(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'X509Certificate')[0]?.textContent).toBe(keys.certificateBase64);
    const acs = doc.getElementsByTagNameNS(md, 'AssertionConsumerService')[0];
    expect(acs?.getAttribute('Location')).toBe('https://login.example.test/saml/c&1/acs');
    expect(acs?.getAttribute('Binding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
  });

  it('says AuthnRequests are unsigned when there is no signing certificate', () => {
    const xml = buildSpMetadata({ spEntityId: 'urn:sp', acsUrl: 'https://sp.test/acs', wantAssertionsSigned: true });
    expect(xml).toContain('AuthnRequestsSigned="false"');
    expect(xml).not.toContain('KeyDescriptor');
  });
});
