import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/common/errors.ts';
import { createTestIdp } from '../../../fixtures/saml/idp.ts';
import { createTestKeyPair, type TestKeyPair } from '../../../fixtures/saml/x509.ts';
import { createSamlWorld, PUBLIC_URL, rejection, type SamlWorld } from './world.ts';

describe('SAML sign-in round trip with a real IdP', () => {
  let world: SamlWorld;
  beforeAll(() => { world = createSamlWorld(); });

  it('accepts a signed response to our own request and maps the identity', async () => {
    const connection = world.connection({ mapping: { attributes: { groups: 'memberOf' } } });
    const { samlResponse, relayState, requestId } = await world.signIn(connection, {
      nameId: 'alice@example.test',
      attributes: { email: 'Alice@Example.test', displayName: 'Alice Liddell', givenName: 'Alice', sn: 'Liddell', memberOf: ['Engineering', 'Admins', 'Engineering'] },
      sessionIndex: '_session-42',
    });

    const result = await world.connector.completeSignIn(connection, { samlResponse, relayState });

    expect(result.requestId).toBe(requestId);
    expect(result.identity).toMatchObject({
      connectionId: 'conn-acme',
      orgId: 'org-acme',
      protocol: 'saml',
      subject: 'alice@example.test',
      subjectFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      email: 'Alice@Example.test',
      name: 'Alice Liddell',
      givenName: 'Alice',
      familyName: 'Liddell',
      groups: ['Engineering', 'Admins'],
      sessionIndex: '_session-42',
      authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      amr: ['pwd'],
    });
    expect(result.identity.attributes.memberOf).toEqual(['Engineering', 'Admins', 'Engineering']);
    expect(result.identity.emailVerified).toBeUndefined();
  });

  it('sends an AuthnRequest the IdP can parse: our ACS, its SSO URL as Destination, the RelayState untouched', async () => {
    const connection = world.connection();
    const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'opaque.value_1-2' });
    expect(redirectUrl.startsWith(`${world.idp.ssoUrl}?`)).toBe(true);

    const request = await world.idp.receive(redirectUrl, world.sp(connection));

    expect(request).toMatchObject({ acsUrl: `${PUBLIC_URL}/saml/conn-acme/acs`, destination: world.idp.ssoUrl, relayState: 'opaque.value_1-2', signed: false });
    expect(request.id).toMatch(/^_[0-9a-f]{40}$/);
    expect(await world.kv.get(`saml-request:conn-acme:${request.id}`)).toMatchObject({ relayState: 'opaque.value_1-2' });
  });

  it('derives the endpoints from the public URL and the connection id; the entity ID can be overridden', () => {
    expect(world.connector.spEndpoints(world.connection())).toEqual({
      spEntityId: `${PUBLIC_URL}/saml/conn-acme`,
      acsUrl: `${PUBLIC_URL}/saml/conn-acme/acs`,
      metadataUrl: `${PUBLIC_URL}/saml/conn-acme/metadata`,
    });
    const legacy = world.connection({ settings: { spEntityId: 'urn:acme:legacy-sp' } });
    expect(world.connector.spEndpoints(legacy).spEntityId).toBe('urn:acme:legacy-sp');
  });

  it('accepts a response with a legacy SP entity ID when the IdP addresses that one', async () => {
    const connection = world.connection({ settings: { spEntityId: 'urn:acme:legacy-sp' } });
    const { samlResponse, relayState } = await world.signIn(connection);
    await expect(world.connector.completeSignIn(connection, { samlResponse, relayState })).resolves.toBeDefined();
  });

  it('accepts a response whose Response element is signed as well as its assertion', async () => {
    const connection = world.connection();
    const { samlResponse, relayState } = await world.signIn(connection, { signResponse: true });
    const { identity } = await world.connector.completeSignIn(connection, { samlResponse, relayState });
    expect(identity.subject).toBe('alice@example.test');
  });

  it('refuses a RelayState that is not the one the request was started with, and spends nothing', async () => {
    const connection = world.connection();
    const { samlResponse, relayState } = await world.signIn(connection);
    expect((await rejection(world.connector.completeSignIn(connection, { samlResponse, relayState: 'another-interaction' }))).reason)
      .toBe('relay_state_mismatch');
    await expect(world.connector.completeSignIn(connection, { samlResponse, relayState })).resolves.toBeDefined();
  });

  it('refuses a RelayState longer than SAML allows, or with characters that differ between URL encoders', async () => {
    const connection = world.connection();
    await expect(world.connector.startSignIn(connection, { relayState: 'x'.repeat(81) })).rejects.toThrow(/80 bytes/);
    await expect(world.connector.startSignIn(connection, { relayState: 'a~b' })).rejects.toThrow(/RelayState/);
  });

  it('asks for re-authentication when told to', async () => {
    const connection = world.connection();
    const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'r', forceAuthn: true });
    const xml = await inflate(new URL(redirectUrl).searchParams.get('SAMLRequest') ?? '');
    expect(xml).toContain('ForceAuthn="true"');
    expect(xml).not.toContain('RequestedAuthnContext');
  });
});

async function inflate(base64: string): Promise<string> {
  const { inflateRawSync } = await import('node:zlib');
  return inflateRawSync(Buffer.from(base64, 'base64')).toString('utf8');
}

describe('signed AuthnRequests', () => {
  let world: SamlWorld;
  let spKeys: TestKeyPair;
  beforeAll(() => {
    spKeys = createTestKeyPair({ commonName: 'login.example.test' });
    world = createSamlWorld({ idp: createTestIdp({ wantAuthnRequestsSigned: true }), spKeys });
  });

  it('are signed on the query string when the connection asks, and verify at the IdP', async () => {
    const connection = world.connection({ settings: { signAuthnRequests: true } });
    const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'signed-1' });
    expect(new URL(redirectUrl).searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');

    const request = await world.idp.receive(redirectUrl, { ...world.sp(connection), signingCertificatePem: spKeys.certificatePem });
    expect(request.signed).toBe(true);
  });

  it('fail verification at the IdP with another SP key', async () => {
    const connection = world.connection({ settings: { signAuthnRequests: true } });
    const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'signed-2' });
    const stranger = createTestKeyPair();
    await expect(world.idp.receive(redirectUrl, { ...world.sp(connection), signingCertificatePem: stranger.certificatePem })).rejects.toThrow();
  });

  it('are refused as a setting when no SP keys are configured', async () => {
    const keyless = createSamlWorld();
    await expect(keyless.connector.startSignIn(keyless.connection({ settings: { signAuthnRequests: true } }), { relayState: 'x' }))
      .rejects.toThrow(ValidationError);
  });

  it('put the SP certificate into our metadata', () => {
    const xml = world.connector.spMetadata(world.connection({ settings: { signAuthnRequests: true } }));
    expect(xml).toContain('AuthnRequestsSigned="true"');
    expect(xml).toContain(spKeys.certificateBase64);
    expect(xml).toContain(`Location="${PUBLIC_URL}/saml/conn-acme/acs"`);
    expect(world.connector.spMetadata(world.connection())).not.toContain('KeyDescriptor');
  });
});
