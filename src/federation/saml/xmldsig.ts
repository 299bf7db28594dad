import { constants, createHash, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import {
  C14nCanonicalization,
  C14nCanonicalizationWithComments,
  type CanonicalizationOrTransformationAlgorithm,
  ExclusiveCanonicalization,
  ExclusiveCanonicalizationWithComments,
  type NamespacePrefix,
} from 'xml-crypto';
import { declaredPrefix, NS, parseXml, XmlParseError } from './xml.ts';

/*
 * XML Signature verification (XMLDSig 1.1) for the one shape SAML uses (SAML Core 5.4): an enveloped
 * signature, a child of the element it signs, with one Reference to that element's ID, the
 * enveloped-signature transform and a canonicalisation. The canonicalisers are xml-crypto's. The rest is
 * here so that the document envelope.ts parsed once is verified where it lies, instead of being serialised,
 * parsed again and searched by XPath for every signature, which was most of a sign-in's CPU time.
 * - the signed element is the one the caller names, never one looked up by its ID: the Reference must name
 *   that element's own ID, and no other element of the document may carry the same value in an ID attribute
 * - the Reference, its transforms and digest are read from the canonical SignedInfo, the bytes the signature
 *   covers; only the signature value itself comes from outside them
 * - algorithms from the allow-list below only, SHA-1 only when the caller allows it; transforms exactly
 *   enveloped-signature then one canonicalisation (or none, meaning inclusive C14N 1.0, XMLDSig 4.4.3.2)
 * - the keys are the caller's (the connection's certificates). KeyInfo is never read here
 * - what comes back is the canonical form the digest covered: the only thing the caller may read the signed
 *   element from (a node of the document could have been moved or added next to what was signed)
 */
const SIGNATURE_METHODS: ReadonlyMap<string, { hash: string; pss?: true }> = new Map([
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', { hash: 'sha256' }],
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', { hash: 'sha512' }],
  ['http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1', { hash: 'sha256', pss: true }],
]);
const DIGEST_METHODS: ReadonlyMap<string, string> = new Map([
  ['http://www.w3.org/2001/04/xmlenc#sha256', 'sha256'],
  ['http://www.w3.org/2001/04/xmlenc#sha512', 'sha512'],
]);
const SHA1_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SHA1_DIGEST = 'http://www.w3.org/2000/09/xmldsig#sha1';

const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const EXCLUSIVE = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const INCLUSIVE = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';

/**
 * The canonicalisers by algorithm: SignedInfo is canonicalised with exactly the one it names; a bare-name
 * reference ("#id") dereferences without comments (XMLDSig 4.4.3.3), so the element it signs never has any.
 */
const CANONICALISERS: ReadonlyMap<string, { signedInfo: CanonicalizationOrTransformationAlgorithm; reference: CanonicalizationOrTransformationAlgorithm }> = (() => {
  const exclusive = new ExclusiveCanonicalization();
  const inclusive = new C14nCanonicalization();
  return new Map([
    [EXCLUSIVE, { signedInfo: exclusive, reference: exclusive }],
    [`${EXCLUSIVE}WithComments`, { signedInfo: new ExclusiveCanonicalizationWithComments(), reference: exclusive }],
    [INCLUSIVE, { signedInfo: inclusive, reference: inclusive }],
    [`${INCLUSIVE}#WithComments`, { signedInfo: new C14nCanonicalizationWithComments(), reference: inclusive }],
  ]);
})();

/** Prefixes xml-crypto's canonicalisers assume for unprefixed lookups; passed as xml-crypto passes them. */
const DEFAULT_NS_FOR_PREFIX = { ds: NS.dsig };

/**
 * - `shape`: not the signature shape SAML uses, or not one this element can be verified by
 * - `algorithm` / `sha1`: an algorithm off the allow-list, or SHA-1 where it is not allowed
 * - `mismatch`: well formed, but the digest or the signature value does not verify with any key given
 */
export type XmlSignatureProblem = 'shape' | 'algorithm' | 'sha1' | 'mismatch';

export class XmlSignatureError extends Error {
  readonly problem: XmlSignatureProblem;

  constructor(problem: XmlSignatureProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

export interface SignatureRules {
  /** The public keys a signature may verify with; any one of them suffices. */
  keys: readonly KeyObject[];
  allowSha1: boolean;
}

/** Verifies the enveloped signature of `element`; returns the canonical bytes its digest covered. */
export function verifyEnvelopedSignature(element: Element, rules: SignatureRules): string {
  const name = element.localName;
  const signatures = dsigChildren(element).filter((node) => node.localName === 'Signature');
  if (signatures.length !== 1) {
    throw new XmlSignatureError('shape', signatures.length === 0 ? `the ${name} is not signed` : `the ${name} carries ${signatures.length} signatures; exactly one is accepted`);
  }
  const signature = signatures[0] as Element;
  const id = element.getAttribute('ID');
  if (!id) throw new XmlSignatureError('shape', `the signed ${name} has no ID`);

  const [signedInfoNode, valueNode, ...rest] = dsigChildren(signature);
  if (signedInfoNode?.localName !== 'SignedInfo' || valueNode?.localName !== 'SignatureValue' || rest.some((node) => node.localName !== 'KeyInfo' && node.localName !== 'Object')) {
    throw new XmlSignatureError('shape', `the signature of the ${name} is not SignedInfo and SignatureValue, then KeyInfo or Object`);
  }
  const signedInfoMethod = algorithmOf(dsigChildren(signedInfoNode)[0], 'CanonicalizationMethod');
  const signedInfoBytes = keepingAttributes(signedInfoNode, () =>
    canonicalise(signedInfoNode, canonicaliser(signedInfoMethod).signedInfo, ancestorNamespaces(signedInfoNode), []));
  const reference = readSignedInfo(signedInfoBytes, signedInfoMethod, rules.allowSha1);

  if (reference.uri !== `#${id}`) {
    throw new XmlSignatureError('shape', `the signature of the ${name} ${id} references ${reference.uri || 'the whole document'}, not the element it is on`);
  }
  const holders = elementsWithId(element.ownerDocument, id);
  if (holders !== 1) throw new XmlSignatureError('shape', `${holders} elements of the document carry the ID ${id}; exactly one is accepted`);

  const signedBytes = withoutSignature(element, signature, () =>
    canonicalise(element, reference.canonicaliser, ancestorNamespaces(element), reference.prefixList));

  const digest = createHash(reference.digest).update(signedBytes, 'utf8').digest();
  if (!sameBytes(digest, reference.digestValue)) {
    throw new XmlSignatureError('mismatch', `the digest of the ${name} does not match its signature: it was changed after signing`);
  }
  // Text only: a comment inside would be skipped by textContent but cut the value short for a reader of the
  // first text node (xml-crypto's), and what one verifier accepts the other must too.
  if (Array.from(valueNode.childNodes).some((node) => node.nodeType !== 3)) {
    throw new XmlSignatureError('shape', `the SignatureValue of the ${name} holds more than text`);
  }
  const value = base64(valueNode.textContent ?? '', 'SignatureValue');
  const data = Buffer.from(signedInfoBytes, 'utf8');
  if (!rules.keys.some((key) => verifies(reference.signature, data, key, value))) {
    throw new XmlSignatureError('mismatch', `the signature of the ${name} does not verify with any of the ${rules.keys.length} configured key(s)`);
  }
  return signedBytes;
}

interface SignedReference {
  uri: string;
  signature: SignatureMethod;
  canonicaliser: CanonicalizationOrTransformationAlgorithm;
  prefixList: string[];
  digest: string;
  digestValue: Buffer;
}

/** SignedInfo as signed: CanonicalizationMethod, SignatureMethod and exactly one Reference (XMLDSig 4.4). */
function readSignedInfo(signedInfoBytes: string, signedInfoMethod: string, allowSha1: boolean): SignedReference {
  let signedInfo: Element;
  try {
    signedInfo = parseXml(signedInfoBytes).documentElement;
  } catch (error) {
    if (error instanceof XmlParseError) throw new XmlSignatureError('shape', `the canonical SignedInfo does not parse: ${error.message}`);
    throw error;
  }
  const [canonicalizationMethod, signatureMethod, ...references] = dsigChildren(signedInfo);
  if (algorithmOf(canonicalizationMethod, 'CanonicalizationMethod') !== signedInfoMethod) {
    throw new XmlSignatureError('shape', 'the canonical SignedInfo names another canonicalisation than the one it was canonicalised with');
  }
  const signature = acceptedAlgorithm('signature', algorithmOf(signatureMethod, 'SignatureMethod'), allowSha1);
  if (references.length !== 1 || references[0]?.localName !== 'Reference') {
    throw new XmlSignatureError('shape', `the SignedInfo holds ${references.length} references; exactly one is accepted`);
  }
  const reference = references[0];
  const parts = dsigChildren(reference);
  const transforms = parts[0]?.localName === 'Transforms' ? (parts.shift() as Element) : undefined;
  const [digestMethod, digestValue, ...extra] = parts;
  if (digestValue?.localName !== 'DigestValue' || extra.length > 0) {
    throw new XmlSignatureError('shape', 'the Reference is not Transforms, DigestMethod and DigestValue');
  }
  return {
    uri: reference.getAttribute('URI') ?? '',
    signature,
    ...readTransforms(transforms),
    digest: acceptedAlgorithm('digest', algorithmOf(digestMethod, 'DigestMethod'), allowSha1),
    digestValue: base64(digestValue.textContent ?? '', 'DigestValue'),
  };
}

/** enveloped-signature, then at most one canonicalisation (inclusive C14N 1.0 when none is named). */
function readTransforms(transforms: Element | undefined): { canonicaliser: CanonicalizationOrTransformationAlgorithm; prefixList: string[] } {
  const steps = transforms ? dsigChildren(transforms) : [];
  const algorithms = steps.map((step) => algorithmOf(step, 'Transform'));
  if (algorithms[0] !== ENVELOPED || algorithms.length > 2) {
    throw new XmlSignatureError('algorithm', `the transforms ${algorithms.join(', ') || '(none)'} are not enveloped-signature and one canonicalisation`);
  }
  const last = steps[1];
  if (!last) return { canonicaliser: canonicaliser(INCLUSIVE).reference, prefixList: [] };
  // In the exc-c14n namespace (Exclusive XML Canonicalization 3); xml-crypto's signer writes it in the
  // algorithm's own namespace for the WithComments variant, so that one is read too.
  const prefixList = Array.from(last.childNodes)
    .filter((node): node is Element => node.nodeType === 1 && (node as Element).localName === 'InclusiveNamespaces'
      && ((node as Element).namespaceURI === EXCLUSIVE || (node as Element).namespaceURI === `${EXCLUSIVE}WithComments`))
    .flatMap((node) => (node.getAttribute('PrefixList') ?? '').split(/\s+/))
    .filter((prefix) => prefix !== '');
  return { canonicaliser: canonicaliser(algorithms[1] as string).reference, prefixList };
}

/**
 * The enveloped-signature transform: `work` sees the element without its Signature, which is put back at its
 * place afterwards. Cheaper than canonicalising a deep copy, which cost as much as parsing the document.
 */
function withoutSignature<T>(element: Element, signature: Element, work: () => T): T {
  const next = signature.nextSibling;
  element.removeChild(signature);
  try {
    return keepingAttributes(element, work);
  } finally {
    element.insertBefore(signature, next);
  }
}

/**
 * Runs `work`, then takes off the element any attribute it did not have: exclusive canonicalisation declares
 * the InclusiveNamespaces prefixes on the element it renders. The document is left as it was found.
 */
function keepingAttributes<T>(element: Element, work: () => T): T {
  const attributes = new Set(Array.from(element.attributes, (attribute) => attribute.name));
  try {
    return work();
  } finally {
    for (const attribute of Array.from(element.attributes)) {
      if (!attributes.has(attribute.name)) element.removeAttributeNode(attribute);
    }
  }
}

function canonicalise(element: Element, algorithm: CanonicalizationOrTransformationAlgorithm, ancestors: NamespacePrefix[], prefixList: string[]): string {
  const options = { defaultNsForPrefix: DEFAULT_NS_FOR_PREFIX, ancestorNamespaces: ancestors, inclusiveNamespacesPrefixList: prefixList };
  try {
    return algorithm.process(element, options).toString();
  } catch (error) {
    // A node the canonicaliser cannot render: nothing that parses as SAML should get here.
    throw new XmlSignatureError('shape', `the ${element.localName} could not be canonicalised: ${(error as Error).message}`);
  }
}

function canonicaliser(algorithm: string) {
  const found = CANONICALISERS.get(algorithm);
  if (!found) throw new XmlSignatureError('algorithm', `the canonicalisation ${algorithm || '(none)'} is not accepted`);
  return found;
}

type SignatureMethod = { hash: string; pss?: true };

/**
 * The hash an allowed algorithm uses: from the allow-list above, SHA-1 only when `allowSha1`. Also what
 * envelope.ts checks every signature of a response with before any is verified.
 */
export function acceptedAlgorithm(kind: 'signature', algorithm: string, allowSha1: boolean): SignatureMethod;
export function acceptedAlgorithm(kind: 'digest', algorithm: string, allowSha1: boolean): string;
export function acceptedAlgorithm(kind: 'signature' | 'digest', algorithm: string, allowSha1: boolean): SignatureMethod | string {
  if (algorithm === (kind === 'signature' ? SHA1_SIGNATURE : SHA1_DIGEST)) {
    if (allowSha1) return kind === 'signature' ? { hash: 'sha1' } : 'sha1';
    throw new XmlSignatureError('sha1', `the ${kind} algorithm is SHA-1 (${algorithm}); this connection does not allow SHA-1`);
  }
  const found = kind === 'signature' ? SIGNATURE_METHODS.get(algorithm) : DIGEST_METHODS.get(algorithm);
  if (!found) throw new XmlSignatureError('algorithm', `the ${kind} algorithm ${algorithm || '(none)'} is not accepted`);
  return found;
}

function verifies(method: SignatureMethod, data: Buffer, key: KeyObject, value: Buffer): boolean {
  // Every accepted method is RSA; node would check another key type's signature under the RSA name.
  if (key.asymmetricKeyType !== 'rsa' && !(method.pss && key.asymmetricKeyType === 'rsa-pss')) return false;
  try {
    const input = method.pss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : key;
    return verify(method.hash, data, input, value);
  } catch {
    // A key of another type, or a value of the wrong length: this key did not sign it.
    return false;
  }
}

/** The element children in the XMLDSig namespace; anything else there (an element of another namespace, text) fails. */
function dsigChildren(parent: Element): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== 1) continue;
    const element = node as Element;
    if (element.namespaceURI === NS.dsig) found.push(element);
    else if (parent.namespaceURI === NS.dsig) {
      throw new XmlSignatureError('shape', `the ${parent.localName} holds a ${element.localName} element of ${element.namespaceURI ?? 'no namespace'}`);
    }
  }
  return found;
}

function algorithmOf(element: Element | undefined, expected: string): string {
  if (element?.localName !== expected) throw new XmlSignatureError('shape', `the signature has no ${expected} where XMLDSig puts it`);
  return element.getAttribute('Algorithm') ?? '';
}

function base64(value: string, what: string): Buffer {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new XmlSignatureError('shape', `the ${what} is not base64`);
  return Buffer.from(compact, 'base64');
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The namespaces declared on the element's ancestors, nearest first, as xml-crypto's own verifier hands them
 * to its canonicalisers: what inclusive C14N renders on the apex, and what an exclusive InclusiveNamespaces
 * prefix resolves to. Undeclarations and prefixes the element declares itself are left out.
 */
function ancestorNamespaces(element: Element): NamespacePrefix[] {
  const own = new Set([element.prefix ?? '']);
  for (const attribute of Array.from(element.attributes)) {
    const prefix = declaredPrefix(attribute);
    if (prefix !== undefined) own.add(prefix);
  }
  const found = new Map<string, string>();
  for (let node = element.parentNode; node?.nodeType === 1; node = node.parentNode) {
    for (const attribute of Array.from((node as Element).attributes)) {
      const prefix = declaredPrefix(attribute);
      if (prefix !== undefined && !found.has(prefix)) found.set(prefix, attribute.value);
    }
  }
  return [...found]
    .filter(([prefix, namespaceURI]) => namespaceURI !== '' && !own.has(prefix))
    .map(([prefix, namespaceURI]) => ({ prefix, namespaceURI }));
}

/**
 * How many elements of the document carry `id` in an ID, Id or id attribute, of any namespace. A processing
 * instruction anywhere is refused on the way: xml-crypto's canonicalisers render one as plain text, so
 * `<?t alice?>` would digest as the text "alice" (parseXml refuses them already; this holds for any DOM).
 */
function elementsWithId(doc: Document, id: string): number {
  let count = 0;
  const pending: Node[] = [doc.documentElement];
  while (pending.length > 0) {
    const node = pending.pop() as Node;
    if (node.nodeType === 7) throw new XmlSignatureError('shape', 'the document holds a processing instruction');
    if (node.nodeType !== 1) continue;
    for (const attribute of Array.from((node as Element).attributes)) {
      if ((attribute.localName === 'ID' || attribute.localName === 'Id' || attribute.localName === 'id') && attribute.value === id) count += 1;
    }
    for (let child = node.firstChild; child; child = child.nextSibling) pending.push(child);
  }
  return count;
}
