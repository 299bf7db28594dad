import * as samlify from 'samlify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestIdp, SHA1, tamper, type TestIdp } from '../../../fixtures/saml/idp.ts';
import { createSamlWorld, rejection, type SamlWorld } from './world.ts';

/*
 * Who signed what: only a configured certificate counts, the assertion must carry the signature, and the
 * identity comes from the bytes that were signed, whatever else an attacker adds around them.
 */
describe('SAML response signatures', () => {
  let world: SamlWorld;
  let attacker: TestIdp;
  beforeAll(() => {
    world = createSamlWorld();
    // Same entity ID as the real IdP, its own key: what anyone can produce.
    attacker = createTestIdp({ entityId: world.idp.entityId });
  });

  const complete = (samlResponse: string, relayState: string, connection = world.connection()) =>
    world.connector.completeSignIn(connection, { samlResponse, relayState });

  it('refuses a response with no signature at all', async () => {
    const { samlResponse, relayState } = await world.signIn(world.connection(), { signAssertion: false, signResponse: false });
    expect((await rejection(complete(samlResponse, relayState))).reason).toBe('unsigned_assertion');
  });

  it('refuses a signed response whose assertion is not signed', async () => {
    const { samlResponse, relayState } = await world.signIn(world.connection(), { signAssertion: false, signResponse: true });
    expect((await rejection(complete(samlResponse, relayState))).reason).toBe('unsigned_assertion');
  });

  it('refuses a response signed with another key whose certificate rides in KeyInfo', async () => {
    const connection = world.connection();
    const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'attack' });
    const request = await attacker.receive(redirectUrl, world.sp(connection));
    const forged = await attacker.respond({ sp: world.sp(connection), inResponseTo: request.id, now: world.now() });
    expect(Buffer.from(forged, 'base64').toString()).toContain(attacker.keys.certificateBase64);

    const refused = await rejection(complete(forged, 'attack'));
    expect(refused.reason).toBe('unknown_signer');
    expect(refused.detail).toMatch(/unknown certificate \(SHA-256 [0-9A-F:]{95}\)/);
  });

  it('refuses a response altered after signing', async () => {
    const { samlResponse, relayState } = await world.signIn(world.connection(), { nameId: 'alice@example.test' });
    const altered = tamper(samlResponse, (xml) => xml.replace('>alice@example.test<', '>admin@example.test<'));
    expect((await rejection(complete(altered, relayState))).reason).toBe('invalid_signature');
  });

  it('refuses a Response signature by an unknown key even when the assertion inside is genuinely signed', async () => {
    const { samlResponse, relayState } = await world.signIn(world.connection());
    const rewrapped = samlify.SamlLib.constructSAMLSignature({
      rawSamlMessage: Buffer.from(samlResponse, 'base64').toString('utf8'),
      isMessageSigned: true,
      privateKey: attacker.keys.privateKeyPem,
      signingCert: attacker.keys.certificateBase64,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      signatureConfig: { prefix: 'ds', location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Issuer']", action: 'after' } },
    });
    expect((await rejection(complete(rewrapped, relayState))).reason).toBe('unknown_signer');
  });

  describe('signature wrapping', () => {
    // The genuinely signed assertion of alice, and an unsigned copy claiming to be the admin.
    const split = (xml: string) => {
      const start = xml.indexOf('<saml:Assertion');
      const end = xml.indexOf('</saml:Assertion>') + '</saml:Assertion>'.length;
      const signed = xml.slice(start, end);
      const evil = signed
        .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '')
        .replace(/ID="[^"]+"/, 'ID="_evil"')
        .replace('>alice@example.test<', '>admin@example.test<');
      return { before: xml.slice(0, start), signed, evil, after: xml.slice(end) };
    };

    it('refuses an evil assertion placed before the signed one', async () => {
      const { samlResponse, relayState } = await world.signIn(world.connection());
      const wrapped = tamper(samlResponse, (xml) => {
        const { before, signed, evil, after } = split(xml);
        return `${before}${evil}${signed}${after}`;
      });
      expect((await rejection(complete(wrapped, relayState))).reason).toBe('multiple_assertions');
    });

    it('refuses the signed assertion moved into Extensions with an evil one in its place', async () => {
      const { samlResponse, relayState } = await world.signIn(world.connection());
      const wrapped = tamper(samlResponse, (xml) => {
        const { before, signed, evil, after } = split(xml);
        const head = before.replace('<samlp:Status>', `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`);
        return `${head}${evil}${after}`;
      });
      expect((await rejection(complete(wrapped, relayState))).reason).toBe('multiple_assertions');
    });

    it('refuses an evil assertion that carries the signature, with the signed assertion hidden in its ds:Object', async () => {
      const { samlResponse, relayState } = await world.signIn(world.connection());
      const wrapped = tamper(samlResponse, (xml) => {
        const { before, signed, after } = split(xml);
        const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)?.[0] ?? '';
        const hidden = signature.replace('</ds:Signature>', `<ds:Object>${signed}</ds:Object></ds:Signature>`);
        const evil = signed.replace(signature, hidden).replace(/ID="[^"]+"/, 'ID="_evil"').replace('>alice@example.test<', '>admin@example.test<');
        return `${before}${evil}${after}`;
      });
      expect((await rejection(complete(wrapped, relayState))).reason).toBe('multiple_assertions');
    });

    it('refuses two assertions with the same ID', async () => {
      const { samlResponse, relayState } = await world.signIn(world.connection());
      const wrapped = tamper(samlResponse, (xml) => {
        const { before, signed, after } = split(xml);
        const twin = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '').replace('>alice@example.test<', '>admin@example.test<');
        return `${before}${signed}${twin}${after}`;
      });
      expect((await rejection(complete(wrapped, relayState))).reason).toBe('multiple_assertions');
    });

    it('refuses a lone evil assertion carrying a signature that references an element no longer there', async () => {
      const { samlResponse, relayState } = await world.signIn(world.connection());
      const wrapped = tamper(samlResponse, (xml) => xml.replace(/(<saml:Assertion[^>]*ID=")[^"]+"/, '$1_evil"').replace('>alice@example.test<', '>admin@example.test<'));
      expect((await rejection(complete(wrapped, relayState))).reason).toBe('invalid_signature');
    });
  });

  it('reads a comment-split NameID and attribute whole, never the part before the comment', async () => {
    // The IdP vouches for admin@evil.test.attacker.test; the comment leaves the signature valid (exclusive
    // canonicalisation drops comments), and a reader of the first text node would see admin@evil.test.
    const connection = world.connection();
    const { samlResponse, relayState } = await world.signIn(connection, {
      nameId: 'admin@evil.test.attacker.test',
      attributes: { email: 'admin@evil.test.attacker.test' },
    });
    const injected = tamper(samlResponse, (xml) => xml.replaceAll('>admin@evil.test.attacker.test<', '>admin@evil.test<!---->.attacker.test<'));

    const { identity } = await world.connector.completeSignIn(connection, { samlResponse: injected, relayState });

    expect(identity.subject).toBe('admin@evil.test.attacker.test');
    expect(identity.email).toBe('admin@evil.test.attacker.test');
  });

  describe('SHA-1', () => {
    it('is refused by default', async () => {
      const { samlResponse, relayState } = await world.signIn(world.connection(), { signatureAlgorithm: SHA1 });
      const refused = await rejection(complete(samlResponse, relayState));
      expect(refused.reason).toBe('sha1_refused');
    });

    it('is accepted when the connection allows it', async () => {
      const connection = world.connection({ settings: { allowSha1: true } });
      const { samlResponse, relayState } = await world.signIn(connection, { signatureAlgorithm: SHA1 });
      await expect(complete(samlResponse, relayState, connection)).resolves.toBeDefined();
    });
  });

  describe('IdP certificate rollover', () => {
    let next: TestIdp;
    beforeAll(() => { next = createTestIdp({ entityId: world.idp.entityId }); });

    it('accepts responses signed by either certificate while both are listed', async () => {
      const connection = world.connection({ settings: { idpCertificates: [world.idp.keys.certificatePem, next.keys.certificateBase64] } });
      const old = await world.signIn(connection);
      await expect(complete(old.samlResponse, old.relayState, connection)).resolves.toBeDefined();

      const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'rolled' });
      const request = await next.receive(redirectUrl, world.sp(connection));
      const fresh = await next.respond({ sp: world.sp(connection), inResponseTo: request.id, now: world.now() });
      await expect(complete(fresh, 'rolled', connection)).resolves.toBeDefined();
    });

    it('refuses the old certificate once it is removed', async () => {
      const connection = world.connection({ settings: { idpCertificates: [next.keys.certificatePem] } });
      const { samlResponse, relayState } = await world.signIn(connection);
      expect((await rejection(complete(samlResponse, relayState, connection))).reason).toBe('unknown_signer');
    });
  });
});
