import { beforeAll, describe, expect, it } from 'vitest';
import { SHA1 } from '../../../fixtures/saml/idp.ts';
import { createTestKeyPair, type TestKeyPair } from '../../../fixtures/saml/x509.ts';
import { createSamlWorld, rejection, type SamlWorld } from './world.ts';

/* Assertions the IdP encrypts to our SP key (SAML Core 2.3.4), for connections that accept them. */
describe('encrypted SAML assertions', () => {
  let world: SamlWorld;
  let spKeys: TestKeyPair;
  beforeAll(() => {
    spKeys = createTestKeyPair({ commonName: 'login.example.test' });
    world = createSamlWorld({ spKeys });
  });
  const decrypting = (settings: Record<string, unknown> = {}) => world.connection({ settings: { decryptAssertions: true, ...settings } });

  it('are decrypted, verified and mapped like plain ones', async () => {
    const connection = decrypting();
    const { samlResponse, relayState } = await world.signIn(connection, { encryptTo: spKeys.certificatePem, attributes: { email: 'enc@example.test' } });
    expect(Buffer.from(samlResponse, 'base64').toString()).toContain('EncryptedAssertion');

    const { identity } = await world.connector.completeSignIn(connection, { samlResponse, relayState });
    expect(identity).toMatchObject({ subject: 'alice@example.test', email: 'enc@example.test' });
  });

  it('are refused when the connection does not accept them, even with SP keys', async () => {
    const connection = world.connection();
    const { samlResponse, relayState } = await world.signIn(connection, { encryptTo: spKeys.certificatePem });
    expect((await rejection(world.connector.completeSignIn(connection, { samlResponse, relayState }))).reason).toBe('encrypted_not_configured');
  });

  it('must still carry a signed assertion inside', async () => {
    const connection = decrypting();
    const { samlResponse, relayState } = await world.signIn(connection, { encryptTo: spKeys.certificatePem, signAssertion: false, signResponse: true });
    expect((await rejection(world.connector.completeSignIn(connection, { samlResponse, relayState }))).reason).toBe('unsigned_assertion');
  });

  it('are held to the SHA-1 rule inside the encryption too', async () => {
    const connection = decrypting();
    const { samlResponse, relayState } = await world.signIn(connection, { encryptTo: spKeys.certificatePem, signatureAlgorithm: SHA1 });
    expect((await rejection(world.connector.completeSignIn(connection, { samlResponse, relayState }))).reason).toBe('sha1_refused');
  });

  it('are refused when their key travels with RSA PKCS#1 v1.5', async () => {
    const connection = decrypting();
    const { samlResponse, relayState } = await world.signIn(connection, {
      encryptTo: spKeys.certificatePem,
      keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-1_5',
    });
    const refused = await rejection(world.connector.completeSignIn(connection, { samlResponse, relayState }));
    expect(refused.reason).toBe('malformed');
    expect(refused.detail).toMatch(/rsa-1_5 is not secure/);
  });

  it('cannot be read with another SP key', async () => {
    const connection = decrypting();
    const { samlResponse, relayState } = await world.signIn(connection, { encryptTo: createTestKeyPair().certificatePem });
    expect((await rejection(world.connector.completeSignIn(connection, { samlResponse, relayState }))).reason).toBe('malformed');
  });
});
