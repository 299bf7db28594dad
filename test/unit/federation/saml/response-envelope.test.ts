import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_BASE64_BYTES, MAX_XML_ELEMENTS } from '../../../../src/federation/saml/envelope.ts';
import { MAX_NAMESPACE_BINDINGS, MAX_XML_DEPTH } from '../../../../src/federation/saml/xml.ts';
import { tamper } from '../../../fixtures/saml/idp.ts';
import { createSamlWorld, rejection, type SamlWorld } from './world.ts';

/* What is refused before any signature is looked at. */
describe('SAML response envelope', () => {
  let world: SamlWorld;
  beforeAll(() => { world = createSamlWorld(); });

  const complete = (samlResponse: string, relayState?: string) =>
    world.connector.completeSignIn(world.connection(), { samlResponse, ...(relayState ? { relayState } : {}) });
  const encode = (xml: string) => Buffer.from(xml).toString('base64');

  it('refuses a DOCTYPE, whatever it declares', async () => {
    const { samlResponse, relayState } = await world.signIn(world.connection());
    const withDoctype = tamper(samlResponse, (xml) => `<!DOCTYPE samlp:Response [<!ENTITY x "y">]>${xml}`);
    expect((await rejection(complete(withDoctype, relayState))).reason).toBe('doctype');
    const lowerCase = tamper(samlResponse, (xml) => `<!doctype r SYSTEM "http://attacker.test/x.dtd">${xml}`);
    expect((await rejection(complete(lowerCase, relayState))).reason).toBe('doctype');
  });

  it('refuses an oversize SAMLResponse before decoding it', async () => {
    const refused = await rejection(complete('A'.repeat(MAX_BASE64_BYTES + 4)));
    expect(refused.reason).toBe('too_large');
  });

  it('refuses decoded XML beyond its own cap', async () => {
    const { samlResponse, relayState } = await world.signIn(world.connection());
    const padded = tamper(samlResponse, (xml) => xml.replace('<samlp:Status>', `<!--${'x'.repeat(140 * 1024)}--><samlp:Status>`));
    expect(padded.length).toBeLessThan(MAX_BASE64_BYTES);
    expect((await rejection(complete(padded, relayState))).reason).toBe('too_large');
  });

  it('refuses documents shaped to make parsing and canonicalisation slow, and accepts a long group list', async () => {
    const connection = world.connection();
    const hostile = {
      // More elements than a response has, in far less than the byte cap.
      elements: ['too_large', `<x:E xmlns:x="urn:x">${'<x:z/>'.repeat(MAX_XML_ELEMENTS)}</x:E>`, /more than 4096 elements/],
      // Deeper than any DOM or canonicaliser walk should recurse.
      depth: ['malformed', `${'<a>'.repeat(MAX_XML_DEPTH)}${'</a>'.repeat(MAX_XML_DEPTH)}`, /levels deep/],
      // Thousands of namespaces in scope, which the canonicaliser copies from element to element.
      namespaces: ['malformed', `<e${Array.from({ length: MAX_NAMESPACE_BINDINGS }, (_, k) => ` xmlns:p${k}="urn:p:${k}" p${k}:a=""`).join('')}/>`, /namespace bindings/],
      instruction: ['malformed', '<?audit by=idp?>', /processing instruction/],
    } as const;
    for (const [reason, payload, detail] of Object.values(hostile)) {
      const { samlResponse, relayState } = await world.signIn(connection);
      const refused = await rejection(complete(tamper(samlResponse, (xml) => xml.replace('</saml:Subject>', `</saml:Subject>${payload}`)), relayState));
      expect(refused.reason).toBe(reason);
      expect(refused.detail).toMatch(detail);
    }

    const groups = Array.from({ length: 1000 }, (_, k) => `group-${k}`);
    const { samlResponse, relayState } = await world.signIn(connection, { attributes: { groups } });
    const withDeclaration = tamper(samlResponse, (xml) => `<?xml version="1.0" encoding="UTF-8"?>${xml}`);
    await expect(complete(withDeclaration, relayState)).resolves.toMatchObject({ identity: { subject: 'alice@example.test' } });
  });

  it('refuses what is not base64, not XML, or not a Response', async () => {
    expect((await rejection(complete('not base64!'))).reason).toBe('malformed');
    expect((await rejection(complete(encode('<samlp:Response')))).reason).toBe('malformed');
    expect((await rejection(complete(encode('<a><b></a>')))).reason).toBe('malformed');
    const request = encode('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x"/>');
    expect((await rejection(complete(request))).detail).toContain('AuthnRequest');
  });

  it('reports an error status with the IdP\'s codes and message', async () => {
    const connection = world.connection();
    const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'denied' });
    const request = await world.idp.receive(redirectUrl, world.sp(connection));
    const xml = '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ' +
      `ID="_r" Version="2.0" IssueInstant="${world.now().toISOString()}" InResponseTo="${request.id}">` +
      `<saml:Issuer>${world.idp.entityId}</saml:Issuer><samlp:Status>` +
      '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode>' +
      '<samlp:StatusMessage>User is not assigned to this application</samlp:StatusMessage></samlp:Status></samlp:Response>';

    const refused = await rejection(complete(encode(xml), 'denied'));

    expect(refused.reason).toBe('status_not_success');
    expect(refused.detail).toBe('the IdP answered Responder / AuthnFailed: User is not assigned to this application');
    expect(refused.error.idpStatus).toEqual(['urn:oasis:names:tc:SAML:2.0:status:Responder', 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed']);
  });

  it('refuses an error status signed by the IdP just the same', async () => {
    const { samlResponse, relayState } = await world.signIn(world.connection(), { status: 'urn:oasis:names:tc:SAML:2.0:status:Requester' });
    expect((await rejection(complete(samlResponse, relayState))).reason).toBe('status_not_success');
  });

  it('refuses an encrypted assertion when the connection cannot decrypt', async () => {
    const { samlResponse, relayState } = await world.signIn(world.connection());
    const encrypted = tamper(samlResponse, (xml) => xml.replace(/<saml:Assertion[\s\S]*<\/saml:Assertion>/,
      '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>'));
    expect((await rejection(complete(encrypted, relayState))).reason).toBe('encrypted_not_configured');
  });

  it('refuses a response that carries no assertion', async () => {
    const { samlResponse, relayState } = await world.signIn(world.connection());
    const empty = tamper(samlResponse, (xml) => xml.replace(/<saml:Assertion[\s\S]*<\/saml:Assertion>/, ''));
    expect((await rejection(complete(empty, relayState))).reason).toBe('malformed');
  });

  it('refuses algorithms off the allow-list', async () => {
    const { samlResponse, relayState } = await world.signIn(world.connection());
    const hmac = tamper(samlResponse, (xml) => xml.replace('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2000/09/xmldsig#hmac-sha1'));
    // HMAC "signed" with the public certificate as its key is the classic key-confusion attack.
    expect((await rejection(complete(hmac, relayState))).reason).toBe('unsupported_algorithm');
    const md5 = tamper(samlResponse, (xml) => xml.replace('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2001/04/xmldsig-more#rsa-md5'));
    expect((await rejection(complete(md5, relayState))).reason).toBe('unsupported_algorithm');
  });

  it('hides every detail from the person signing in', async () => {
    const refused = await rejection(complete('A'.repeat(MAX_BASE64_BYTES + 4)));
    expect(refused.error).toMatchObject({ status: 400, code: 'saml_response_invalid', expose: true });
    expect(refused.error.message).not.toMatch(/large|bytes/);
  });
});
