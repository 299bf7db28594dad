import { createHash, generateKeyPairSync, type KeyObject, sign as rsaSign, X509Certificate } from 'node:crypto';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import {
  type CanonicalizationOrTransformationAlgorithm,
  ExclusiveCanonicalization,
  SignedXml,
} from 'xml-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { child, MAX_XML_DEPTH, NS, parseXml, text, XmlParseError } from '../../../../src/federation/saml/xml.ts';
import { verifyEnvelopedSignature, XmlSignatureError, type XmlSignatureProblem } from '../../../../src/federation/saml/xmldsig.ts';
import { createTestIdp, type TestIdp } from '../../../fixtures/saml/idp.ts';
import { createTestKeyPair, type TestKeyPair } from '../../../fixtures/saml/x509.ts';

/*
 * The enveloped-signature verifier on its own, against documents signed by signers written elsewhere:
 * xml-crypto's SignedXml, and samlify through the fixture IdP. What it accepts must be what xml-crypto's
 * own verifier accepts, byte for byte in what comes back; what it refuses, it refuses for the stated
 * reason; and over mutations of a genuine samlify response it agrees with node-saml 5, the verifier it
 * replaced.
 */

const EXC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const EXC_COMMENTS = 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments';
const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const C14N_COMMENTS = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const XPATH = 'http://www.w3.org/TR/1999/REC-xpath-19991116';
const XSLT = 'http://www.w3.org/TR/1999/REC-xslt-19991116';
const UNKNOWN_C14N = 'urn:example:c14n';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512';
const RSA_PSS_SHA256 = 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1';
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const SHA512 = 'http://www.w3.org/2001/04/xmlenc#sha512';
const XS = 'http://www.w3.org/2001/XMLSchema';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

const ASSERTION_ID = '_assertion-7d1f0c';
const RESPONSE_ID = '_response-93ab2e';
const IDP_ENTITY_ID = 'https://idp.example.test/metadata';
const SP_ENTITY_ID = 'https://sp.example.test/metadata';
const ACS_URL = 'https://sp.example.test/acs';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const INSTANT = '2030-06-01T12:00:00.000Z';
const LATER = '2030-06-01T12:05:00.000Z';

type Target = 'Assertion' | 'Response';

/** A Response carrying one assertion; xs is declared on the Response only and used in an xsi:type value. */
function responseXml(options: { nameId?: string; defaultNamespace?: boolean } = {}): string {
  const nameId = options.nameId ?? 'alice@example.test';
  const p = options.defaultNamespace ? '' : 'saml:';
  const assertion =
    `<${p}Assertion${options.defaultNamespace ? ` xmlns="${NS.assertion}"` : ''} ID="${ASSERTION_ID}" Version="2.0" IssueInstant="${INSTANT}">` +
    `<${p}Issuer>${IDP_ENTITY_ID}</${p}Issuer>` +
    `<${p}Subject><${p}NameID Format="${EMAIL_FORMAT}">${nameId}</${p}NameID>` +
    `<${p}SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<${p}SubjectConfirmationData NotOnOrAfter="${LATER}" Recipient="${ACS_URL}"/></${p}SubjectConfirmation></${p}Subject>\n  ` +
    `<${p}Conditions NotBefore="${INSTANT}" NotOnOrAfter="${LATER}"><${p}AudienceRestriction><${p}Audience>${SP_ENTITY_ID}</${p}Audience></${p}AudienceRestriction></${p}Conditions>\n  ` +
    `<${p}AttributeStatement><${p}Attribute Name="email"><${p}AttributeValue xsi:type="xs:string">${nameId}</${p}AttributeValue></${p}Attribute></${p}AttributeStatement>` +
    `</${p}Assertion>`;
  return `<samlp:Response xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" xmlns:xs="${XS}" xmlns:xsi="${XSI}" ` +
    `ID="${RESPONSE_ID}" Version="2.0" IssueInstant="${INSTANT}" Destination="${ACS_URL}">` +
    `<saml:Issuer>${IDP_ENTITY_ID}</saml:Issuer>` +
    '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
    `${assertion}</samlp:Response>`;
}

const targetXpath = (target: Target) =>
  `//*[local-name(.)='${target}' and namespace-uri(.)='${target === 'Assertion' ? NS.assertion : NS.protocol}']`;

/** A transform xml-crypto does not know, registered under a given algorithm name: it passes the node on. */
function identityTransform(algorithm: string): new () => CanonicalizationOrTransformationAlgorithm {
  return class {
    process(node: Node): Node {
      return node;
    }

    getAlgorithmName(): string {
      return algorithm;
    }
  };
}

/** Exclusive canonicalisation under a name no verifier should know. */
class UnknownCanonicalization extends ExclusiveCanonicalization {
  override getAlgorithmName(): string {
    return UNKNOWN_C14N;
  }
}

interface SignOptions {
  target?: Target;
  signatureAlgorithm?: string;
  canonicalizationAlgorithm?: string;
  transforms?: string[];
  digestAlgorithm?: string;
  prefixList?: string[];
  /** An InclusiveNamespaces PrefixList on SignedInfo's own CanonicalizationMethod. */
  signedInfoPrefixList?: string[];
  /** What the References point at, by XPath; the target itself by default. */
  references?: { xpath: string; isEmptyUri?: boolean }[];
  /** Where the Signature goes; right after the target's Issuer by default. */
  location?: { reference: string; action: 'append' | 'prepend' | 'before' | 'after' };
}

/** Signs with xml-crypto's SignedXml, KeyInfo carrying the signer's certificate. */
function signWith(keys: TestKeyPair, xml: string, options: SignOptions = {}): string {
  const target = options.target ?? 'Assertion';
  const signer = new SignedXml({
    privateKey: keys.privateKeyPem,
    publicCert: keys.certificatePem,
    signatureAlgorithm: options.signatureAlgorithm ?? RSA_SHA256,
    canonicalizationAlgorithm: options.canonicalizationAlgorithm ?? EXC,
    ...(options.signedInfoPrefixList ? { inclusiveNamespacesPrefixList: options.signedInfoPrefixList } : {}),
  });
  signer.CanonicalizationAlgorithms[XPATH] = identityTransform(XPATH);
  signer.CanonicalizationAlgorithms[XSLT] = identityTransform(XSLT);
  signer.CanonicalizationAlgorithms[UNKNOWN_C14N] = UnknownCanonicalization;
  for (const reference of options.references ?? [{ xpath: targetXpath(target) }]) {
    signer.addReference({
      xpath: reference.xpath,
      transforms: options.transforms ?? [ENVELOPED, EXC],
      digestAlgorithm: options.digestAlgorithm ?? SHA256,
      ...(options.prefixList ? { inclusiveNamespacesPrefixList: options.prefixList } : {}),
      ...(reference.isEmptyUri ? { isEmptyUri: true } : {}),
    });
  }
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: options.location ?? { reference: `${targetXpath(target)}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return signer.getSignedXml();
}

function targetOf(doc: Document, target: Target): Element {
  const response = doc.documentElement;
  if (target === 'Response') return response;
  const assertion = child(response, NS.assertion, 'Assertion');
  if (!assertion) throw new Error('the document has no Assertion under its Response');
  return assertion;
}

function signatureOf(element: Element): Element {
  const signature = child(element, NS.dsig, 'Signature');
  if (!signature) throw new Error(`the ${element.localName} carries no Signature`);
  return signature;
}

/**
 * What xml-crypto's own verifier says the signature of `target` covers, after it verified it. The signature
 * is the target's child, or the only one below it when `anywhere`.
 */
function xmlCryptoSignedReference(xml: string, target: Target, certificatePem: string, anywhere = false): string {
  const element = targetOf(parseXml(xml), target);
  const below = Array.from(element.getElementsByTagNameNS(NS.dsig, 'Signature'));
  if (anywhere) expect(below).toHaveLength(1);
  const verifier = new SignedXml({ publicCert: certificatePem });
  verifier.loadSignature(anywhere ? below[0] as Element : signatureOf(element));
  expect(verifier.checkSignature(xml)).toBe(true);
  const references = verifier.getSignedReferences();
  expect(references).toHaveLength(1);
  return references[0] as string;
}

function nameIdOf(signedBytes: string): string | undefined {
  const root = parseXml(signedBytes).documentElement;
  const assertion = root.localName === 'Assertion' ? root : child(root, NS.assertion, 'Assertion');
  const subject = assertion && child(assertion, NS.assertion, 'Subject');
  return text(subject && child(subject, NS.assertion, 'NameID'));
}

function verify(xml: string, target: Target, keys: readonly KeyObject[], allowSha1 = false): string {
  return verifyEnvelopedSignature(targetOf(parseXml(xml), target), { keys, allowSha1 });
}

/** The problem the verifier refuses with, or 'accepted'. Anything but an XmlSignatureError fails the test. */
function outcome(xml: string, keys: readonly KeyObject[], options: { target?: Target; allowSha1?: boolean } = {}): XmlSignatureProblem | 'accepted' {
  try {
    verify(xml, options.target ?? 'Assertion', keys, options.allowSha1 ?? false);
    return 'accepted';
  } catch (error) {
    if (error instanceof XmlSignatureError) return error.problem;
    throw error;
  }
}

/** The signed bytes, or what verifying `element` threw. */
function attempt(element: Element, keys: KeyObject[]): unknown {
  try {
    return verifyEnvelopedSignature(element, { keys, allowSha1: false });
  } catch (error) {
    return error;
  }
}

/** A string edit that must change something, or the test would not test what it says. */
function edit(xml: string, from: string | RegExp, to: string): string {
  const edited = xml.replace(from, to);
  if (edited === xml) throw new Error(`the edit of ${String(from)} changed nothing`);
  return edited;
}

/**
 * Edits the SignedInfo of the target's signature and signs it again (exclusive c14n, RSA-SHA256): a
 * genuinely signed SignedInfo of a shape the signer would not write itself.
 */
function resign(keys: TestKeyPair, xml: string, change: (signedInfo: Element, doc: Document) => void, target: Target = 'Assertion'): string {
  const doc = parseXml(xml);
  const signature = signatureOf(targetOf(doc, target));
  const signedInfo = child(signature, NS.dsig, 'SignedInfo');
  const value = child(signature, NS.dsig, 'SignatureValue');
  if (!signedInfo || !value) throw new Error('the signature has no SignedInfo or SignatureValue');
  change(signedInfo, doc);
  const canonical = new ExclusiveCanonicalization().process(signedInfo.cloneNode(true) as Element, {}).toString();
  value.textContent = rsaSign('sha256', Buffer.from(canonical, 'utf8'), keys.privateKeyPem).toString('base64');
  return doc.toString();
}

function dsig(doc: Document, name: string): Element {
  return doc.createElementNS(NS.dsig, `ds:${name}`);
}

describe('verifyEnvelopedSignature', () => {
  let idp: TestKeyPair;
  let other: TestKeyPair;
  let idpKey: KeyObject;
  let otherKey: KeyObject;
  beforeAll(() => {
    idp = createTestKeyPair({ commonName: 'idp.example.test' });
    other = createTestKeyPair({ commonName: 'other.example.test' });
    idpKey = new X509Certificate(idp.certificatePem).publicKey;
    otherKey = new X509Certificate(other.certificatePem).publicKey;
  });

  /** Verifies, checks the bytes against xml-crypto's and the NameID in them; returns the bytes. */
  function expectAccepted(xml: string, options: { target?: Target; keys?: KeyObject[]; allowSha1?: boolean; signer?: TestKeyPair; nameId?: string } = {}): string {
    const target = options.target ?? 'Assertion';
    const bytes = verify(xml, target, options.keys ?? [idpKey], options.allowSha1 ?? false);
    expect(bytes).toBe(xmlCryptoSignedReference(xml, target, (options.signer ?? idp).certificatePem));
    expect(nameIdOf(bytes)).toBe(options.nameId ?? 'alice@example.test');
    return bytes;
  }

  describe('accepts what XMLDSig signers write for SAML, returning exactly what xml-crypto says was signed', () => {
    it('exclusive c14n, RSA-SHA256, SHA-256 (the common case)', () => {
      const bytes = expectAccepted(signWith(idp, responseXml()));
      expect(bytes.startsWith(`<saml:Assertion xmlns:saml="${NS.assertion}" ID="${ASSERTION_ID}"`)).toBe(true);
      expect(bytes).not.toContain('Signature');
    });

    it('exclusive c14n WithComments as the SignedInfo method', () => {
      const xml = signWith(idp, responseXml(), { canonicalizationAlgorithm: EXC_COMMENTS });
      expect(xml).toContain(`<ds:CanonicalizationMethod Algorithm="${EXC_COMMENTS}"`);
      expectAccepted(xml);
    });

    it('exclusive c14n WithComments as the reference transform: the bare-name reference still drops comments', () => {
      const xml = signWith(idp, responseXml(), { transforms: [ENVELOPED, EXC_COMMENTS] });
      const injected = edit(xml, '>alice@example.test</saml:NameID>', '>alice@example.test<!-- note --></saml:NameID>');
      expect(expectAccepted(injected)).not.toContain('<!--');
    });

    it('inclusive C14N 1.0 as the reference transform, with the ancestors\' namespaces on the apex', () => {
      const bytes = expectAccepted(signWith(idp, responseXml(), { transforms: [ENVELOPED, C14N] }));
      expect(bytes).toContain(`xmlns:samlp="${NS.protocol}"`);
      expect(bytes).toContain(`xmlns:xs="${XS}"`);
    });

    it('inclusive C14N 1.0 as the SignedInfo method, with and without comments', () => {
      for (const method of [C14N, C14N_COMMENTS]) {
        const xml = signWith(idp, responseXml(), { canonicalizationAlgorithm: method });
        expect(xml).toContain(`<ds:CanonicalizationMethod Algorithm="${method}"`);
        expectAccepted(xml);
      }
    });

    it('only the enveloped transform: implicit inclusive C14N 1.0, the same bytes as naming it', () => {
      const xml = signWith(idp, responseXml(), { transforms: [ENVELOPED] });
      expect(xml).not.toContain(`<ds:Transform Algorithm="${C14N}"`);
      const implicit = expectAccepted(xml);
      expect(implicit).toBe(verify(signWith(idp, responseXml(), { transforms: [ENVELOPED, C14N] }), 'Assertion', [idpKey]));
    });

    it('an InclusiveNamespaces PrefixList naming a prefix declared only on the Response', () => {
      const xml = signWith(idp, responseXml(), { prefixList: ['xs'] });
      expect(xml).toContain('PrefixList="xs"');
      const bytes = expectAccepted(xml);
      expect(bytes.slice(0, bytes.indexOf('>'))).toContain(`xmlns:xs="${XS}"`);
      // Without the list, exclusive c14n leaves the declaration out: the list is what put it there.
      expect(verify(signWith(idp, responseXml()), 'Assertion', [idpKey])).not.toContain('xmlns:xs=');
    });

    it('a PrefixList on the WithComments transform, in the namespace xml-crypto\'s signer writes it in', () => {
      const xml = signWith(idp, responseXml(), { transforms: [ENVELOPED, EXC_COMMENTS], prefixList: ['xs'] });
      expect(xml).toContain(`<InclusiveNamespaces PrefixList="xs" xmlns="${EXC_COMMENTS}"`);
      expect(expectAccepted(xml)).toContain(`xmlns:xs="${XS}"`);
    });

    it('a PrefixList on SignedInfo\'s own CanonicalizationMethod, the document left as it was found', () => {
      const xml = signWith(idp, responseXml(), { signedInfoPrefixList: ['xs'] });
      expect(xml).toMatch(/<ds:CanonicalizationMethod [^>]*><InclusiveNamespaces PrefixList="xs"/);
      const doc = parseXml(xml);
      const before = doc.toString();
      expect(verifyEnvelopedSignature(targetOf(doc, 'Assertion'), { keys: [idpKey], allowSha1: false })).toBe(xmlCryptoSignedReference(xml, 'Assertion', idp.certificatePem));
      expect(doc.toString()).toBe(before);
    });

    it('an assertion in the default namespace, no prefix (as ADFS writes it)', () => {
      const bytes = expectAccepted(signWith(idp, responseXml({ defaultNamespace: true })));
      expect(bytes.startsWith(`<Assertion xmlns="${NS.assertion}" ID="${ASSERTION_ID}"`)).toBe(true);
    });

    it('rsa-sha512', () => {
      expectAccepted(signWith(idp, responseXml(), { signatureAlgorithm: RSA_SHA512 }));
    });

    it('sha256-rsa-MGF1 (RSA-PSS)', () => {
      const xml = signWith(idp, responseXml(), { signatureAlgorithm: RSA_PSS_SHA256 });
      expect(xml).toContain(`<ds:SignatureMethod Algorithm="${RSA_PSS_SHA256}"`);
      expectAccepted(xml);
    });

    it('a SHA-512 digest', () => {
      expectAccepted(signWith(idp, responseXml(), { digestAlgorithm: SHA512, signatureAlgorithm: RSA_SHA512 }));
    });

    it('SHA-1 only when allowed', () => {
      const xml = signWith(idp, responseXml(), { signatureAlgorithm: RSA_SHA1, digestAlgorithm: SHA1 });
      expectAccepted(xml, { allowSha1: true });
      expect(outcome(xml, [idpKey])).toBe('sha1');
    });

    it('SHA-1 in the digest alone is still SHA-1', () => {
      const xml = signWith(idp, responseXml(), { digestAlgorithm: SHA1 });
      expectAccepted(xml, { allowSha1: true });
      expect(outcome(xml, [idpKey])).toBe('sha1');
    });

    it('a second configured key (rollover) when that one signed', () => {
      const xml = signWith(other, responseXml());
      expectAccepted(xml, { keys: [idpKey, otherKey], signer: other });
      expect(outcome(xml, [idpKey])).toBe('mismatch');
    });

    it('a signed Response around a signed Assertion: both verify, each returning its own signed bytes', () => {
      const xml = signWith(idp, signWith(idp, responseXml()), { target: 'Response' });
      const assertion = expectAccepted(xml);
      const response = expectAccepted(xml, { target: 'Response' });
      expect(response.startsWith(`<samlp:Response xmlns:samlp="${NS.protocol}"`)).toBe(true);
      // The Response's digest covers the assertion with its signature; only its own Signature is taken out.
      expect(response.match(/<ds:Signature /g)).toHaveLength(1);
      expect(assertion).not.toContain('ds:Signature');
    });

    it('a SignedInfo signed again unchanged (the control for the re-signed cases below)', () => {
      expectAccepted(resign(idp, signWith(idp, responseXml()), () => {}));
    });

    it('an ECDSA signature under the rsa-sha256 name, even with the EC key configured', () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const signer = { privateKeyPem: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } as TestKeyPair;
      const xml = resign(signer, signWith(idp, responseXml()), () => {});
      expect(outcome(xml, [ec.publicKey])).toBe('mismatch');
      expect(outcome(xml, [idpKey, ec.publicKey])).toBe('mismatch');
    });

    it('the Signature anywhere among the assertion\'s children', () => {
      const xml = signWith(idp, responseXml(), { location: { reference: targetXpath('Assertion'), action: 'append' } });
      expect(xml).toContain('</ds:Signature></saml:Assertion>');
      expectAccepted(xml);
    });

    describe('samlify, through the fixture IdP', () => {
      let samlify: TestIdp;
      let samlifyKey: KeyObject;
      const sp = { entityId: SP_ENTITY_ID, acsUrl: ACS_URL };
      beforeAll(() => {
        samlify = createTestIdp();
        samlifyKey = new X509Certificate(samlify.keys.certificatePem).publicKey;
      });
      const decoded = (samlResponse: string) => Buffer.from(samlResponse, 'base64').toString('utf8');

      it('a signed assertion with attributes', async () => {
        const xml = decoded(await samlify.respond({ sp, attributes: { email: 'alice@example.test', groups: ['a', 'b'] } }));
        expectAccepted(xml, { keys: [samlifyKey], signer: samlify.keys });
      });

      it('a signed Response around a signed assertion', async () => {
        const xml = decoded(await samlify.respond({ sp, signResponse: true }));
        expectAccepted(xml, { keys: [samlifyKey], signer: samlify.keys });
        expectAccepted(xml, { target: 'Response', keys: [samlifyKey], signer: samlify.keys });
      });

      it('SHA-1, when allowed', async () => {
        const xml = decoded(await samlify.respond({ sp, signatureAlgorithm: RSA_SHA1 }));
        expectAccepted(xml, { keys: [samlifyKey], signer: samlify.keys, allowSha1: true });
        expect(outcome(xml, [samlifyKey])).toBe('sha1');
      });
    });
  });

  describe('refuses, for the stated reason', () => {
    let genuine: string;
    beforeAll(() => {
      genuine = signWith(idp, responseXml());
      expect(outcome(genuine, [idpKey])).toBe('accepted');
    });

    it('an assertion with no signature', () => {
      expect(outcome(responseXml(), [idpKey])).toBe('shape');
    });

    it('two Signature children, each a genuine signature of the assertion', () => {
      const twice = signWith(idp, genuine);
      expect(twice.match(/<ds:Signature /g)).toHaveLength(2);
      expect(outcome(twice, [idpKey])).toBe('shape');
    });

    it('the Signature moved to be a grandchild', () => {
      const signature = /<ds:Signature [\s\S]*<\/ds:Signature>/.exec(genuine)?.[0] ?? '';
      const moved = edit(genuine.replace(signature, ''), '</saml:Subject>', `${signature}</saml:Subject>`);
      expect(outcome(moved, [idpKey])).toBe('shape');
    });

    it('a genuine enveloped signature placed as a grandchild by the signer', () => {
      const xml = signWith(idp, responseXml(), { location: { reference: `${targetXpath('Assertion')}/*[local-name(.)='Subject']`, action: 'append' } });
      // xml-crypto itself takes it: the enveloped transform removes the Signature wherever it is.
      expect(nameIdOf(xmlCryptoSignedReference(xml, 'Assertion', idp.certificatePem, true))).toBe('alice@example.test');
      expect(outcome(xml, [idpKey])).toBe('shape');
    });

    it('a Reference naming another element than the one the signature is on', () => {
      const toResponse = signWith(idp, responseXml(), { references: [{ xpath: targetXpath('Response') }] });
      expect(toResponse).toContain(`URI="#${RESPONSE_ID}"`);
      expect(outcome(toResponse, [idpKey])).toBe('shape');
      const toIssuer = signWith(idp, responseXml(), { references: [{ xpath: `${targetXpath('Response')}/*[local-name(.)='Issuer']` }] });
      expect(outcome(toIssuer, [idpKey])).toBe('shape');
    });

    it('an empty Reference URI (the whole document)', () => {
      const xml = signWith(idp, responseXml(), { references: [{ xpath: '/*', isEmptyUri: true }] });
      expect(xml).toContain('<ds:Reference URI="">');
      expect(outcome(xml, [idpKey])).toBe('shape');
    });

    it('two References, even when both are to the assertion and both verify', () => {
      const both = signWith(idp, responseXml(), { references: [{ xpath: targetXpath('Assertion') }, { xpath: targetXpath('Assertion') }] });
      expect(both.match(/<ds:Reference /g)).toHaveLength(2);
      expect(outcome(both, [idpKey])).toBe('shape');
      const second = signWith(idp, responseXml(), {
        references: [{ xpath: targetXpath('Assertion') }, { xpath: `${targetXpath('Response')}/*[local-name(.)='Issuer']` }],
      });
      expect(outcome(second, [idpKey])).toBe('shape');
    });

    it.each([
      ['a third transform', [ENVELOPED, EXC, C14N]],
      ['a repeated canonicalisation', [ENVELOPED, EXC, EXC]],
      ['an XPath transform before the canonicalisation', [ENVELOPED, XPATH, EXC]],
      ['an XPath transform instead of enveloped-signature', [XPATH, EXC]],
      ['an XPath transform as the second', [ENVELOPED, XPATH]],
      ['an XSLT transform', [ENVELOPED, XSLT]],
      ['the canonicalisation before enveloped-signature', [EXC, ENVELOPED]],
      ['enveloped-signature twice', [ENVELOPED, ENVELOPED]],
      ['a canonicalisation alone, the Signature left in', [EXC]],
    ])('transforms off the list: %s', (_, transforms) => {
      const xml = signWith(idp, responseXml(), { transforms });
      expect(xml.match(/<ds:Transform /g)).toHaveLength(transforms.length);
      expect(outcome(xml, [idpKey])).toBe('algorithm');
    });

    it('no Transforms at all', () => {
      const xml = resign(idp, genuine, (signedInfo) => {
        const transforms = child(child(signedInfo, NS.dsig, 'Reference') as Element, NS.dsig, 'Transforms') as Element;
        transforms.parentNode?.removeChild(transforms);
      });
      expect(xml).not.toContain('Transforms');
      expect(outcome(xml, [idpKey])).toBe('algorithm');
    });

    it('an unknown canonicalisation, as the SignedInfo method or as the reference transform', () => {
      expect(outcome(signWith(idp, responseXml(), { canonicalizationAlgorithm: UNKNOWN_C14N }), [idpKey])).toBe('algorithm');
      expect(outcome(signWith(idp, responseXml(), { transforms: [ENVELOPED, UNKNOWN_C14N] }), [idpKey])).toBe('algorithm');
    });

    it('SHA-1 when it is not allowed', () => {
      expect(outcome(signWith(idp, responseXml(), { signatureAlgorithm: RSA_SHA1 }), [idpKey])).toBe('sha1');
    });

    it('a DigestValue that is not the digest (SignedInfo signed with it)', () => {
      const wrong = createHash('sha256').update('something else').digest('base64');
      const xml = resign(idp, genuine, (signedInfo) => {
        const reference = child(signedInfo, NS.dsig, 'Reference') as Element;
        (child(reference, NS.dsig, 'DigestValue') as Element).textContent = wrong;
      });
      expect(xml).toContain(wrong);
      expect(outcome(xml, [idpKey])).toBe('mismatch');
    });

    it('a DigestValue altered after signing', () => {
      const digest = /<ds:DigestValue>([^<]+)</.exec(genuine)?.[1] ?? '';
      const flipped = `${digest[0] === 'A' ? 'B' : 'A'}${digest.slice(1)}`;
      expect(outcome(edit(genuine, digest, flipped), [idpKey])).toBe('mismatch');
    });

    it('a SignatureValue altered after signing', () => {
      const value = /<ds:SignatureValue>([^<]+)</.exec(genuine)?.[1] ?? '';
      const bytes = Buffer.from(value, 'base64');
      bytes[10] = (bytes[10] ?? 0) ^ 0x01;
      expect(outcome(edit(genuine, value, bytes.toString('base64')), [idpKey])).toBe('mismatch');
    });

    it('a SignatureValue with a comment inside, which a reader of its first text node would cut short', () => {
      const value = /<ds:SignatureValue>([^<]+)</.exec(genuine)?.[1] ?? '';
      expect(outcome(edit(genuine, value, `${value.slice(0, 20)}<!---->${value.slice(20)}`), [idpKey])).toBe('shape');
    });

    it('a SignatureValue that is not base64', () => {
      const value = /<ds:SignatureValue>([^<]+)</.exec(genuine)?.[1] ?? '';
      expect(outcome(edit(genuine, value, `${value.slice(0, 20)}*${value.slice(21)}`), [idpKey])).toBe('shape');
    });

    it('a text node changed after signing', () => {
      expect(outcome(edit(genuine, '>alice@example.test</saml:NameID>', '>admin@example.test</saml:NameID>'), [idpKey])).toBe('mismatch');
    });

    it('an attribute added after signing', () => {
      expect(outcome(edit(genuine, '<saml:NameID ', '<saml:NameID SPNameQualifier="https://evil.example.test" '), [idpKey])).toBe('mismatch');
    });

    it('an element added after signing', () => {
      const added = edit(genuine, '</saml:AttributeStatement>', '</saml:AttributeStatement><saml:AttributeStatement><saml:Attribute Name="role"><saml:AttributeValue>admin</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>');
      expect(outcome(added, [idpKey])).toBe('mismatch');
    });

    it('a processing instruction, which the parser refuses, and the verifier too in a DOM that holds one anyway', () => {
      // xml-crypto's canonicalisers render a processing instruction's data as text: <?t alice?> digests as "alice".
      for (const instruction of ['<?audit?>', '<?audit by=idp?>']) {
        expect(() => parseXml(edit(genuine, '</saml:Subject>', `${instruction}</saml:Subject>`))).toThrow(/processing instruction/);
      }
      const turned = edit(genuine, '>alice@example.test</saml:NameID>', '><?t alice@example.test?></saml:NameID>');
      expect(() => parseXml(turned)).toThrow(XmlParseError);

      const doc = parseXml(genuine);
      const nameId = doc.getElementsByTagNameNS(NS.assertion, 'NameID')[0] as Element;
      nameId.replaceChild(doc.createProcessingInstruction('t', 'alice@example.test'), nameId.firstChild as ChildNode);
      const refused = attempt(targetOf(doc, 'Assertion'), [idpKey]);
      expect(refused).toBeInstanceOf(XmlSignatureError);
      expect((refused as XmlSignatureError).problem).toBe('shape');
    });

    it('deep nesting (inside the 128 KiB response cap): the parser refuses it, before anything recurses', () => {
      const depth = 15_000;
      const deep = edit(genuine, '</saml:Subject>', `</saml:Subject>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`);
      expect(deep.length).toBeLessThan(128 * 1024);
      expect(() => parseXml(deep)).toThrow(/levels deep/);
      const justDeepEnough = edit(genuine, '</saml:Subject>', `</saml:Subject>${'<a>'.repeat(MAX_XML_DEPTH - 2)}${'</a>'.repeat(MAX_XML_DEPTH - 2)}`);
      expect(outcome(justDeepEnough, [idpKey])).toBe('mismatch');
    });

    it('a signature by a key that is not configured, its certificate in KeyInfo', () => {
      const forged = signWith(other, responseXml({ nameId: 'admin@example.test' }));
      expect(forged).toContain(other.certificatePem.split('\n')[1] as string);
      expect(outcome(forged, [idpKey])).toBe('mismatch');
      expect(outcome(forged, [])).toBe('mismatch');
    });

    it.each(['ID', 'Id', 'id'])('a second element elsewhere carrying the assertion\'s ID in an %s attribute', (name) => {
      const twin = edit(genuine, `<saml:Issuer>${IDP_ENTITY_ID}</saml:Issuer><samlp:Status>`, `<saml:Issuer ${name}="${ASSERTION_ID}">${IDP_ENTITY_ID}</saml:Issuer><samlp:Status>`);
      expect(outcome(twin, [idpKey])).toBe('shape');
    });

    it('a second element with the assertion\'s ID in a namespaced attribute, inside the Signature\'s KeyInfo', () => {
      const twin = edit(genuine, '<ds:KeyInfo>', `<ds:KeyInfo xmlns:wsu="urn:example:wsu" wsu:Id="${ASSERTION_ID}">`);
      expect(outcome(twin, [idpKey])).toBe('shape');
    });

    it('an evil assertion with the genuine one\'s ID and signature (the genuine one gone)', () => {
      const evil = edit(genuine, '>alice@example.test</saml:NameID>', '>admin@example.test</saml:NameID>');
      expect(outcome(evil, [idpKey])).toBe('mismatch');
    });

    it('an evil assertion carrying the genuine signature, the genuine assertion hidden in its ds:Object', () => {
      const signed = /<saml:Assertion [\s\S]*<\/saml:Assertion>/.exec(genuine)?.[0] ?? '';
      const signature = /<ds:Signature [\s\S]*<\/ds:Signature>/.exec(signed)?.[0] ?? '';
      const evil = signed
        .replace(signature, signature.replace('</ds:Signature>', `<ds:Object>${signed}</ds:Object></ds:Signature>`))
        .replace(`ID="${ASSERTION_ID}"`, 'ID="_evil"')
        .replace('>alice@example.test</saml:NameID>', '>admin@example.test</saml:NameID>');
      expect(outcome(genuine.replace(signed, evil), [idpKey])).toBe('shape');
    });

    it.each([
      ['DigestMethod to SHA-512', SHA256, SHA512],
      ['SignatureMethod to RSA-SHA512', RSA_SHA256, RSA_SHA512],
      ['SignatureMethod to RSA-PSS', RSA_SHA256, RSA_PSS_SHA256],
    ])('a SignedInfo whose %s was swapped after signing', (_, from, to) => {
      expect(outcome(edit(genuine, `Algorithm="${from}"`, `Algorithm="${to}"`), [idpKey])).toBe('mismatch');
    });

    it('a SignedInfo swapped to SHA-1 after signing: SHA-1 when not allowed, a mismatch when it is', () => {
      const swapped = edit(genuine, `Algorithm="${RSA_SHA256}"`, `Algorithm="${RSA_SHA1}"`);
      expect(outcome(swapped, [idpKey])).toBe('sha1');
      expect(outcome(swapped, [idpKey], { allowSha1: true })).toBe('mismatch');
    });

    it('a SignedInfo whose CanonicalizationMethod was swapped after signing', () => {
      expect(outcome(edit(genuine, `<ds:CanonicalizationMethod Algorithm="${EXC}"`, `<ds:CanonicalizationMethod Algorithm="${EXC_COMMENTS}"`), [idpKey])).toBe('mismatch');
      expect(outcome(edit(genuine, `<ds:CanonicalizationMethod Algorithm="${EXC}"`, `<ds:CanonicalizationMethod Algorithm="${C14N}"`), [idpKey])).toBe('mismatch');
    });

    it('an element of a foreign namespace in SignedInfo, even signed', () => {
      for (const where of ['end', 'middle'] as const) {
        const xml = resign(idp, genuine, (signedInfo, doc) => {
          const extra = doc.createElementNS('urn:example:extra', 'x:Extra');
          if (where === 'end') signedInfo.appendChild(extra);
          else signedInfo.insertBefore(extra, child(signedInfo, NS.dsig, 'Reference') ?? null);
        });
        expect(xml).toContain('<x:Extra xmlns:x="urn:example:extra"/>');
        expect(outcome(xml, [idpKey])).toBe('shape');
      }
    });

    it('an element of a foreign namespace in the Signature, the Reference or the Transforms', () => {
      const foreign = '<x:Extra xmlns:x="urn:example:extra"/>';
      expect(outcome(edit(genuine, '<ds:SignatureValue>', `${foreign}<ds:SignatureValue>`), [idpKey])).toBe('shape');
      expect(outcome(resign(idp, genuine, (signedInfo, doc) => {
        (child(signedInfo, NS.dsig, 'Reference') as Element).appendChild(doc.createElementNS('urn:example:extra', 'x:Extra'));
      }), [idpKey])).toBe('shape');
      expect(outcome(resign(idp, genuine, (signedInfo, doc) => {
        const reference = child(signedInfo, NS.dsig, 'Reference') as Element;
        (child(reference, NS.dsig, 'Transforms') as Element).appendChild(doc.createElementNS('urn:example:extra', 'x:Extra'));
      }), [idpKey])).toBe('shape');
    });

    it('a second SignedInfo, or a second DigestValue, even signed', () => {
      expect(outcome(edit(genuine, '<ds:SignatureValue>', '<ds:SignedInfo/><ds:SignatureValue>'), [idpKey])).toBe('shape');
      expect(outcome(resign(idp, genuine, (signedInfo, doc) => {
        const reference = child(signedInfo, NS.dsig, 'Reference') as Element;
        const again = dsig(doc, 'DigestValue');
        again.textContent = text(child(reference, NS.dsig, 'DigestValue')) ?? '';
        reference.appendChild(again);
      }), [idpKey])).toBe('shape');
    });

    it('a comment in SignedInfo when SignedInfo is canonicalised with comments', () => {
      const withComments = signWith(idp, responseXml(), { canonicalizationAlgorithm: EXC_COMMENTS });
      expect(outcome(withComments, [idpKey])).toBe('accepted');
      expect(outcome(edit(withComments, '<ds:SignatureMethod', '<!-- x --><ds:SignatureMethod'), [idpKey])).toBe('mismatch');
    });
  });

  describe('the document it verifies in', () => {
    it.each<[string, () => string, 'accepted' | 'refused', boolean]>([
      ['accepted, with a PrefixList declaring a prefix on the element', () => signWith(idp, responseXml(), { prefixList: ['xs', 'xsi'] }), 'accepted', false],
      ['refused, the digest not matching', () => edit(signWith(idp, responseXml(), { prefixList: ['xs'] }), '>alice@example.test</saml:NameID>', '>admin@example.test</saml:NameID>'), 'refused', false],
      ['refused, the signature value not matching', () => signWith(other, responseXml(), { prefixList: ['xs'] }), 'refused', false],
      ['refused, the canonicaliser failing midway', () => signWith(idp, responseXml()), 'refused', true],
    ])('is left as it was found: %s', (_, make, expected, unrenderable) => {
      const doc = parseXml(make());
      const assertion = targetOf(doc, 'Assertion');
      // A node no canonicaliser renders, put in with the DOM (no parse would produce one).
      if (unrenderable) (child(assertion, NS.assertion, 'Subject') as Element).appendChild((doc as Document & { createEntityReference(name: string): Node }).createEntityReference('x'));
      const before = doc.toString();
      const result = attempt(assertion, [idpKey]);
      expect(typeof result === 'string' ? 'accepted' : 'refused').toBe(expected);
      expect(doc.toString()).toBe(before);
      expect(child(assertion, NS.dsig, 'Signature')).toBeDefined();
    });

    it('verifies the Response and then its Assertion in the same document, as the caller does', () => {
      const xml = signWith(idp, signWith(idp, responseXml(), { prefixList: ['xs'] }), { target: 'Response', prefixList: ['xsi'] });
      const doc = parseXml(xml);
      const before = doc.toString();
      const response = verifyEnvelopedSignature(targetOf(doc, 'Response'), { keys: [idpKey], allowSha1: false });
      const assertion = verifyEnvelopedSignature(targetOf(doc, 'Assertion'), { keys: [idpKey], allowSha1: false });
      expect(response).toBe(xmlCryptoSignedReference(xml, 'Response', idp.certificatePem));
      expect(assertion).toBe(xmlCryptoSignedReference(xml, 'Assertion', idp.certificatePem));
      expect(doc.toString()).toBe(before);
      // And again, in the other order, on the same document.
      expect(verifyEnvelopedSignature(targetOf(doc, 'Assertion'), { keys: [idpKey], allowSha1: false })).toBe(assertion);
      expect(verifyEnvelopedSignature(targetOf(doc, 'Response'), { keys: [idpKey], allowSha1: false })).toBe(response);
    });
  });

  describe('comments inside signed text', () => {
    it('still verify, and the bytes returned hold the text whole, without the comment', () => {
      const nameId = 'admin@evil.test.attacker.test';
      const xml = signWith(idp, responseXml({ nameId }));
      const injected = xml.replaceAll(`>${nameId}<`, '>admin@evil.test<!---->.attacker.test<');
      expect(injected.match(/<!---->/g)).toHaveLength(2);
      const bytes = expectAccepted(injected, { nameId });
      expect(bytes).not.toContain('<!--');
      expect(bytes).toContain(`>${nameId}</saml:NameID>`);
      expect(bytes).toContain(`>${nameId}</saml:AttributeValue>`);
    });

    it('in SignedInfo, when SignedInfo is canonicalised without them', () => {
      const xml = signWith(idp, responseXml());
      const digest = /<ds:DigestValue>([^<]+)</.exec(xml)?.[1] ?? '';
      expectAccepted(edit(xml, digest, `${digest.slice(0, 8)}<!-- x -->${digest.slice(8)}`));
    });
  });

  describe('agrees with node-saml 5 over mutations of a genuine samlify response', () => {
    let samlify: TestIdp;
    let samlifyKey: KeyObject;
    let nodeSaml: SAML;
    let genuine: string;
    let forged: string;
    const sp = { entityId: SP_ENTITY_ID, acsUrl: ACS_URL };

    beforeAll(async () => {
      samlify = createTestIdp();
      samlifyKey = new X509Certificate(samlify.keys.certificatePem).publicKey;
      nodeSaml = new SAML({
        idpCert: samlify.keys.certificatePem,
        issuer: SP_ENTITY_ID,
        callbackUrl: ACS_URL,
        audience: false,
        wantAuthnResponseSigned: false,
        wantAssertionsSigned: true,
        validateInResponseTo: ValidateInResponseTo.never,
        acceptedClockSkewMs: -1,
      });
      const decoded = (samlResponse: string) => Buffer.from(samlResponse, 'base64').toString('utf8');
      genuine = decoded(await samlify.respond({ sp, inResponseTo: '_request-1', attributes: { email: 'alice@example.test' } }));
      const attacker = createTestIdp({ entityId: samlify.entityId });
      forged = decoded(await attacker.respond({ sp, inResponseTo: '_request-1', nameId: 'admin@example.test' }));
    });

    const signatureOfAssertion = (xml: string) => /<ds:Signature [\s\S]*<\/ds:Signature>/.exec(xml)?.[0] ?? '';
    const assertionId = (xml: string) => /<saml:Assertion [^>]*ID="([^"]+)"/.exec(xml)?.[1] ?? '';
    const digestOf = (xml: string) => /<ds:DigestValue>([^<]+)</.exec(xml)?.[1] ?? '';
    const valueOf = (xml: string) => /<ds:SignatureValue>([^<]+)</.exec(xml)?.[1] ?? '';

    const mutations: { name: string; accepted: boolean; mutate: (xml: string) => string }[] = [
      { name: 'unchanged', accepted: true, mutate: (xml) => xml },
      { name: 'an XML declaration added', accepted: true, mutate: (xml) => `<?xml version="1.0" encoding="UTF-8"?>\n${xml}` },
      { name: 'a comment in the NameID', accepted: true, mutate: (xml) => edit(xml, '>alice@example.test</saml:NameID>', '>alice@<!-- x -->example.test</saml:NameID>') },
      { name: 'the NameID as CDATA', accepted: true, mutate: (xml) => edit(xml, '>alice@example.test</saml:NameID>', '><![CDATA[alice@example.test]]></saml:NameID>') },
      { name: 'a character reference in the NameID', accepted: true, mutate: (xml) => edit(xml, '>alice@example.test</saml:NameID>', '>&#97;lice@example.test</saml:NameID>') },
      { name: 'attributes reordered', accepted: true, mutate: (xml) => edit(xml, /<saml:SubjectConfirmationData NotOnOrAfter="([^"]+)" Recipient="([^"]+)" InResponseTo="([^"]+)"\/>/, '<saml:SubjectConfirmationData InResponseTo="$3" Recipient="$2" NotOnOrAfter="$1"/>') },
      { name: 'single-quoted attributes', accepted: true, mutate: (xml) => edit(xml, /<saml:NameID Format="([^"]+)">/, "<saml:NameID Format='$1'>") },
      { name: 'an empty element written with an end tag', accepted: true, mutate: (xml) => edit(xml, /(<saml:SubjectConfirmationData [^>]*?)\/>/, '$1></saml:SubjectConfirmationData>') },
      { name: 'a redundant namespace declaration', accepted: true, mutate: (xml) => edit(xml, '<saml:NameID ', `<saml:NameID xmlns:saml="${NS.assertion}" `) },
      { name: 'the assertion\'s own saml declaration left to the Response', accepted: true, mutate: (xml) => edit(xml, / xmlns:saml="[^"]+"( ID="_assertion)/, '$1') },
      { name: 'the Signature before the Issuer', accepted: true, mutate: (xml) => {
        const signature = signatureOfAssertion(xml);
        return edit(xml.replace(signature, ''), /(<saml:Assertion [^>]*>)/, `$1${signature}`);
      } },
      { name: 'the SignatureValue wrapped at 64 columns', accepted: true, mutate: (xml) => edit(xml, valueOf(xml), (valueOf(xml).match(/.{1,64}/g) ?? []).join('\n')) },
      { name: 'a comment in SignedInfo', accepted: true, mutate: (xml) => edit(xml, '<ds:SignatureMethod', '<!-- x --><ds:SignatureMethod') },
      { name: 'KeyInfo removed', accepted: true, mutate: (xml) => edit(xml, /<ds:KeyInfo>[\s\S]*<\/ds:KeyInfo>/, '') },
      { name: 'another certificate in KeyInfo', accepted: true, mutate: (xml) => edit(xml, samlify.keys.certificateBase64, createTestKeyPair().certificateBase64) },
      { name: 'the Response Issuer changed (outside the signed assertion)', accepted: true, mutate: (xml) => edit(xml, /(<samlp:Response [^>]*><saml:Issuer>)[^<]+/, '$1https://elsewhere.example.test') },
      { name: 'an Extensions element added to the Response', accepted: true, mutate: (xml) => edit(xml, '<samlp:Status>', '<samlp:Extensions><x:Note xmlns:x="urn:example:x">hi</x:Note></samlp:Extensions><samlp:Status>') },
      { name: 'the NameID changed', accepted: false, mutate: (xml) => edit(xml, '>alice@example.test</saml:NameID>', '>admin@example.test</saml:NameID>') },
      { name: 'an attribute value changed', accepted: false, mutate: (xml) => edit(xml, '>alice@example.test</saml:AttributeValue>', '>admin@example.test</saml:AttributeValue>') },
      { name: 'an attribute added to the Assertion', accepted: false, mutate: (xml) => edit(xml, '<saml:Assertion ', '<saml:Assertion Extra="1" ') },
      { name: 'whitespace added inside the assertion', accepted: false, mutate: (xml) => edit(xml, '<saml:Subject>', '<saml:Subject>\n  ') },
      { name: 'the assertion\'s Issuer changed', accepted: false, mutate: (xml) => edit(xml, /(<saml:Assertion [^>]*><saml:Issuer>)[^<]+/, '$1https://elsewhere.example.test') },
      { name: 'the saml prefix renamed inside the assertion', accepted: false, mutate: (xml) => {
        const start = xml.indexOf('<saml:Assertion ');
        const assertion = xml.slice(start, xml.indexOf('</saml:Assertion>') + '</saml:Assertion>'.length);
        const renamed = assertion.replaceAll('<saml:', '<s2:').replaceAll('</saml:', '</s2:').replace('xmlns:saml=', 'xmlns:s2=');
        return edit(xml, assertion, renamed);
      } },
      { name: 'the ds prefix renamed', accepted: false, mutate: (xml) => edit(xml, signatureOfAssertion(xml), signatureOfAssertion(xml).replaceAll('<ds:', '<dsig:').replaceAll('</ds:', '</dsig:').replace('xmlns:ds=', 'xmlns:dsig=')) },
      { name: 'the SignatureValue altered', accepted: false, mutate: (xml) => {
        const bytes = Buffer.from(valueOf(xml), 'base64');
        bytes[0] = (bytes[0] ?? 0) ^ 0x80;
        return edit(xml, valueOf(xml), bytes.toString('base64'));
      } },
      { name: 'the DigestValue altered', accepted: false, mutate: (xml) => edit(xml, digestOf(xml), createHash('sha256').update('x').digest('base64')) },
      { name: 'whitespace added inside SignedInfo', accepted: false, mutate: (xml) => edit(xml, '<ds:SignatureMethod', ' <ds:SignatureMethod') },
      { name: 'the DigestMethod downgraded to SHA-1', accepted: false, mutate: (xml) => edit(xml, `<ds:DigestMethod Algorithm="${SHA256}"`, `<ds:DigestMethod Algorithm="${SHA1}"`) },
      { name: 'the SignedInfo method swapped to WithComments', accepted: false, mutate: (xml) => edit(xml, `<ds:CanonicalizationMethod Algorithm="${EXC}"`, `<ds:CanonicalizationMethod Algorithm="${EXC_COMMENTS}"`) },
      { name: 'the Transforms removed', accepted: false, mutate: (xml) => edit(xml, /<ds:Transforms>[\s\S]*?<\/ds:Transforms>/, '') },
      { name: 'the Reference pointed at the Response', accepted: false, mutate: (xml) => edit(xml, `URI="#${assertionId(xml)}"`, `URI="#${/<samlp:Response [^>]*ID="([^"]+)"/.exec(xml)?.[1] ?? ''}"`) },
      { name: 'the Signature removed', accepted: false, mutate: (xml) => edit(xml, signatureOfAssertion(xml), '') },
      { name: 'the Signature duplicated', accepted: false, mutate: (xml) => edit(xml, signatureOfAssertion(xml), signatureOfAssertion(xml).repeat(2)) },
      { name: 'the Signature moved into the Subject', accepted: false, mutate: (xml) => edit(xml.replace(signatureOfAssertion(xml), ''), '</saml:Subject>', `${signatureOfAssertion(xml)}</saml:Subject>`) },
      { name: 'a second element with the assertion\'s ID', accepted: false, mutate: (xml) => edit(xml, '<samlp:Status>', `<samlp:Extensions><x:Note xmlns:x="urn:example:x" ID="${assertionId(xml)}"/></samlp:Extensions><samlp:Status>`) },
      { name: 'the assertion\'s ID in an Id attribute elsewhere', accepted: false, mutate: (xml) => edit(xml, /(<samlp:Response [^>]*><saml:Issuer)>/, `$1 Id="${assertionId(xml)}">`) },
      { name: 'the assertion\'s ID changed', accepted: false, mutate: (xml) => xml.replaceAll(assertionId(xml), '_evil') },
      { name: 'signed by another key', accepted: false, mutate: () => forged },
    ];

    async function nodeSamlAccepts(xml: string): Promise<boolean> {
      try {
        await nodeSaml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') });
        return true;
      } catch {
        return false;
      }
    }

    function weAccept(xml: string): boolean {
      const problem = outcome(xml, [samlifyKey]);
      return problem === 'accepted';
    }

    it.each(mutations)('$name', async ({ mutate, accepted }) => {
      const xml = mutate(genuine);
      const theirs = await nodeSamlAccepts(xml);
      const ours = weAccept(xml);
      expect({ ours, theirs }).toEqual({ ours: accepted, theirs: accepted });
      if (ours) {
        // What came back is what xml-crypto verified, and is the genuine assertion.
        const bytes = verify(xml, 'Assertion', [samlifyKey]);
        expect(bytes).toBe(xmlCryptoSignedReference(xml, 'Assertion', samlify.keys.certificatePem));
        expect(nameIdOf(bytes)).toBe('alice@example.test');
      }
    });
  });

  describe('never accepts what xml-crypto\'s own verifier would not, over random edits of a signed response', () => {
    // A seeded generator, so a failure names an edit that can be replayed.
    const random = (seed: number) => () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const PIECES = ['a', ' ', '"', '<', '>', '/', '=', ':', '#', '_', '0', '\n', '<!--x-->', 'xmlns:x="urn:x" ', ' ID="_assertion-7d1f0c"', '<saml:Assertion>', '</ds:Signature>', '&amp;'];

    it('accepts only what xml-crypto verifies, and returns the same bytes', () => {
      const genuine = signWith(idp, responseXml(), { prefixList: ['xs'] });
      const start = genuine.indexOf('<saml:Assertion');
      const next = random(20261202);
      let parsed = 0;
      let accepted = 0;
      for (let round = 0; round < 400; round++) {
        let xml = genuine;
        for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
          const at = start + Math.floor(next() * (xml.length - start));
          const kind = next();
          const piece = PIECES[Math.floor(next() * PIECES.length)] as string;
          xml = kind < 0.4 ? xml.slice(0, at) + piece + xml.slice(at)
            : kind < 0.7 ? xml.slice(0, at) + xml.slice(at + 1 + Math.floor(next() * 8))
              : xml.slice(0, at) + piece + xml.slice(at + piece.length);
        }
        let doc: Document;
        try {
          doc = parseXml(xml);
        } catch (error) {
          if (error instanceof XmlParseError) continue;
          throw error;
        }
        const assertion = child(doc.documentElement, NS.assertion, 'Assertion');
        if (!assertion) continue;
        parsed += 1;
        const result = attempt(assertion, [idpKey]);
        if (typeof result !== 'string') {
          expect(result, `round ${round}`).toBeInstanceOf(XmlSignatureError);
          continue;
        }
        accepted += 1;
        let theirs: string;
        try {
          theirs = xmlCryptoSignedReference(xml, 'Assertion', idp.certificatePem);
        } catch (error) {
          theirs = `(xml-crypto refuses it: ${(error as Error).message})`;
        }
        expect(result, `round ${round}: accepted what xml-crypto does not sign`).toBe(theirs);
      }
      // The edits must reach both outcomes, or the sweep tests nothing.
      expect(parsed).toBeGreaterThan(100);
      expect(accepted).toBeGreaterThan(5);
      expect(accepted).toBeLessThan(parsed);
    });
  });
});
