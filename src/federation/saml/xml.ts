import { DOMParser } from '@xmldom/xmldom';

/*
 * - a document type declaration is refused before parsing: SAML never needs one (SAML Core 1.3, "must not
 *   contain a DTD"), and DTDs are how entity expansion and external-entity attacks get in
 * - any parser error or warning-as-error fails the parse: a lenient parser and a strict signature verifier
 *   that disagree about a document's shape are what signature wrapping exploits
 * - elements are found by namespace URI and local name, never by prefix
 */
export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export type XmlProblem = 'doctype' | 'malformed';

export class XmlParseError extends Error {
  readonly problem: XmlProblem;

  constructor(problem: XmlProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;

export function parseXml(xml: string): Document {
  if (DOCTYPE.test(xml)) throw new XmlParseError('doctype', 'the document contains a DOCTYPE or ENTITY declaration');
  const fail = (message: string) => {
    throw new XmlParseError('malformed', `not well-formed XML: ${message.split('\n')[0]}`);
  };
  let doc: Document;
  try {
    doc = new DOMParser({ locator: {}, errorHandler: { error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml');
  } catch (error) {
    if (error instanceof XmlParseError) throw error;
    throw new XmlParseError('malformed', `not well-formed XML: ${(error as Error).message}`);
  }
  if (!doc?.documentElement) throw new XmlParseError('malformed', 'the document has no root element');
  return doc;
}

export function isElement(node: Node | null | undefined, ns: string, localName: string): node is Element {
  return node?.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === localName;
}

/** Direct element children with this name. */
export function children(parent: Node, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) if (isElement(node, ns, localName)) out.push(node);
  return out;
}

export function child(parent: Node, ns: string, localName: string): Element | undefined {
  return children(parent, ns, localName)[0];
}

/** Every element with this name anywhere below `root`. */
export function descendants(root: Document | Element, ns: string, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, localName));
}

/**
 * The element's whole text, trimmed. `textContent` joins every text node, so a comment inside a value
 * (`a@x.test<!---->.evil.test`) cannot cut it short the way reading only the first text node would.
 */
export function text(element: Element | undefined): string | undefined {
  const value = element?.textContent?.trim();
  return value ? value : undefined;
}

export function attribute(element: Element | undefined, name: string): string | undefined {
  return element?.hasAttribute(name) ? element.getAttribute(name) ?? undefined : undefined;
}
