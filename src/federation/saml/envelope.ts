import { SamlValidationError } from './errors.ts';
import { attribute, child, children, descendants, isElement, NS, parseXml, XmlParseError } from './xml.ts';
import { acceptedAlgorithm, XmlSignatureError } from './xmldsig.ts';

/*
 * What can be refused about a SAMLResponse before any signature is verified; nothing here is trusted
 * afterwards, it only decides whether verification is worth attempting.
 * - size caps on the base64 form and on the decoded XML, before parsing, and on the elements it holds
 * - no DOCTYPE; well-formed; the root is a samlp:Response (SAML Core 3.2.2)
 * - a non-Success StatusCode ends here, reported with the IdP's codes (SAML Core 3.2.2.2)
 * - exactly one Assertion or EncryptedAssertion in the whole document, at its place under Response: a second
 *   one anywhere (inside Extensions, Advice, an Object of a Signature) is how signature wrapping smuggles in
 *   the element a careless reader picks up instead of the signed one
 * - EncryptedAssertion only when the connection can decrypt
 * - every signature and digest algorithm on the allow-list; SHA-1 only when the connection allows it
 * - a plain Assertion carries its own enveloped signature (we require signed assertions, like
 *   WantAssertionsSigned="true" in our metadata)
 */
export const MAX_BASE64_BYTES = 256 * 1024;
export const MAX_XML_BYTES = 128 * 1024;
/**
 * Elements of one response: a few dozen usually, a few hundred with a long group list. The cap keeps what a
 * hostile 128 KiB can make the parser and the canonicaliser do (hundreds of milliseconds) near a real response's cost.
 */
export const MAX_XML_ELEMENTS = 4096;

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export interface Envelope {
  xml: string;
  response: Element;
  /** The Response element carries its own enveloped signature. */
  responseSigned: boolean;
  /** The plain assertion, whose signature is verified next; absent when it is encrypted. */
  assertion?: Element;
  /** Present when the assertion is encrypted: its plaintext is inspected by inspectDecryptedAssertion. */
  encryptedAssertion?: Element;
}

export interface EnvelopeRules {
  allowSha1: boolean;
  canDecrypt: boolean;
}

export function decodeSamlResponse(samlResponse: string): string {
  if (samlResponse.length > MAX_BASE64_BYTES) {
    throw new SamlValidationError('too_large', `the SAMLResponse is ${samlResponse.length} bytes; at most ${MAX_BASE64_BYTES} are accepted`);
  }
  const compact = samlResponse.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new SamlValidationError('malformed', 'the SAMLResponse is not base64');
  }
  const decoded = Buffer.from(compact, 'base64');
  if (decoded.length > MAX_XML_BYTES) {
    throw new SamlValidationError('too_large', `the decoded response is ${decoded.length} bytes; at most ${MAX_XML_BYTES} are accepted`);
  }
  return decoded.toString('utf8');
}

export function inspectEnvelope(xml: string, rules: EnvelopeRules): Envelope {
  const doc = parse(xml);
  const response: Element = doc.documentElement;
  if (!isElement(response, NS.protocol, 'Response')) {
    throw new SamlValidationError('malformed', `the message is a ${doc.documentElement.localName}, not a samlp:Response`);
  }
  checkStatus(response);

  const assertions = descendants(doc, NS.assertion, 'Assertion');
  const encrypted = descendants(doc, NS.assertion, 'EncryptedAssertion');
  if (assertions.length + encrypted.length > 1) {
    throw new SamlValidationError('multiple_assertions', `the response carries ${assertions.length + encrypted.length} assertions; exactly one is accepted`);
  }
  const assertion = assertions[0] ?? encrypted[0];
  if (!assertion) throw new SamlValidationError('malformed', 'the response carries no assertion');
  if (assertion.parentNode !== response) {
    throw new SamlValidationError('malformed', 'the assertion is not a direct child of the Response');
  }
  if (encrypted.length > 0 && !rules.canDecrypt) {
    throw new SamlValidationError('encrypted_not_configured', 'the assertion is encrypted, and this connection has no SP decryption key');
  }
  checkAlgorithms(doc, rules.allowSha1);
  if (assertions.length === 1 && children(assertion, NS.dsig, 'Signature').length === 0) {
    throw new SamlValidationError('unsigned_assertion', 'the assertion is not signed; signed assertions are required');
  }
  const envelope: Envelope = { xml, response, responseSigned: children(response, NS.dsig, 'Signature').length > 0 };
  if (encrypted[0]) envelope.encryptedAssertion = encrypted[0];
  else envelope.assertion = assertion;
  return envelope;
}

/** The rules of a plain assertion, applied to the plaintext of an encrypted one; returns that assertion. */
export function inspectDecryptedAssertion(xml: string, rules: EnvelopeRules): Element {
  const doc = parse(xml);
  if (!isElement(doc.documentElement, NS.assertion, 'Assertion') || descendants(doc, NS.assertion, 'Assertion').length !== 1) {
    throw new SamlValidationError('multiple_assertions', 'the encrypted assertion does not contain exactly one Assertion');
  }
  checkAlgorithms(doc, rules.allowSha1);
  if (children(doc.documentElement, NS.dsig, 'Signature').length === 0) {
    throw new SamlValidationError('unsigned_assertion', 'the encrypted assertion is not signed; signed assertions are required');
  }
  return doc.documentElement;
}

function parse(xml: string): Document {
  try {
    return parseXml(xml, { maxElements: MAX_XML_ELEMENTS });
  } catch (error) {
    if (error instanceof XmlParseError) throw new SamlValidationError(error.problem, error.message);
    throw error;
  }
}

function checkStatus(response: Element): void {
  const codes: string[] = [];
  for (let code = child(child(response, NS.protocol, 'Status') ?? response, NS.protocol, 'StatusCode'); code; code = child(code, NS.protocol, 'StatusCode')) {
    codes.push(attribute(code, 'Value') ?? '');
  }
  if (codes[0] === SUCCESS) return;
  if (codes.length === 0) throw new SamlValidationError('malformed', 'the response has no StatusCode');
  const message = child(child(response, NS.protocol, 'Status') ?? response, NS.protocol, 'StatusMessage')?.textContent?.trim();
  const short = codes.map((code) => code.replace(/^urn:oasis:names:tc:SAML:2\.0:status:/, '')).join(' / ');
  throw new SamlValidationError('status_not_success', `the IdP answered ${short}${message ? `: ${message}` : ''}`, { idpStatus: codes });
}

function checkAlgorithms(doc: Document, allowSha1: boolean): void {
  for (const signature of descendants(doc, NS.dsig, 'Signature')) {
    const signedInfo = child(signature, NS.dsig, 'SignedInfo');
    try {
      acceptedAlgorithm('signature', attribute(child(signedInfo ?? signature, NS.dsig, 'SignatureMethod'), 'Algorithm') ?? '', allowSha1);
      for (const method of descendants(signature, NS.dsig, 'DigestMethod')) acceptedAlgorithm('digest', attribute(method, 'Algorithm') ?? '', allowSha1);
    } catch (error) {
      if (!(error instanceof XmlSignatureError)) throw error;
      throw new SamlValidationError(error.problem === 'sha1' ? 'sha1_refused' : 'unsupported_algorithm', error.message);
    }
  }
}
