import { DOMParser } from '@xmldom/xmldom';

/*
 * - a document type declaration is refused before parsing: SAML never needs one (SAML Core 1.3, "must not
 *   contain a DTD"), and DTDs are how entity expansion and external-entity attacks get in
 * - any parser error or warning-as-error fails the parse: a lenient parser and a strict signature verifier
 *   that disagree about a document's shape are what signature wrapping exploits
 * - elements are found by namespace URI and local name, never by prefix
 * - no processing instructions (SAML needs none, and canonicalisers disagree about them), at most
 *   MAX_XML_DEPTH levels of elements and MAX_NAMESPACE_BINDINGS different prefix-to-namespace bindings: the
 *   DOM's and the canonicalisers' walks recurse, and they carry the namespaces in scope from element to
 *   element, so a deep document would exhaust the stack, and one with thousands of bindings would make
 *   canonicalisation cost grow with the square of its size, long before the size caps
 */
export const MAX_XML_DEPTH = 64;
export const MAX_NAMESPACE_BINDINGS = 64;
export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export type XmlProblem = 'doctype' | 'malformed' | 'too_large';

export class XmlParseError extends Error {
  readonly problem: XmlProblem;

  constructor(problem: XmlProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;

export interface XmlLimits {
  /** At most this many elements; the byte caps of the callers bound the rest. */
  maxElements?: number;
}

export function parseXml(xml: string, limits: XmlLimits = {}): Document {
  if (DOCTYPE.test(xml)) throw new XmlParseError('doctype', 'the document contains a DOCTYPE or ENTITY declaration');
  // Before parsing, what parsing would cost: an element takes at most two tags.
  if (limits.maxElements !== undefined && tagsIn(xml) > 2 * limits.maxElements + 1024) {
    throw new XmlParseError('too_large', `the document holds more than ${limits.maxElements} elements`);
  }
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
  checkShape(doc, limits.maxElements ?? Number.POSITIVE_INFINITY);
  return doc;
}

function tagsIn(xml: string): number {
  let count = 0;
  for (let at = xml.indexOf('<'); at !== -1; at = xml.indexOf('<', at + 1)) count += 1;
  return count;
}

/** One walk, without recursion: processing instructions (the XML declaration aside), depth, elements, namespaces. */
function checkShape(doc: Document, maxElements: number): void {
  const pending: Array<[Node, number]> = [[doc, 0]];
  const bindings = new Set<string>();
  let elements = 0;
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [Node, number];
    if (node.nodeType === 7 && !(node.parentNode === doc && node.nodeName === 'xml')) {
      throw new XmlParseError('malformed', `the document contains a processing instruction (<?${node.nodeName.slice(0, 40)} ...?>)`);
    }
    if (node.nodeType === 1) {
      if (depth > MAX_XML_DEPTH) throw new XmlParseError('malformed', `the document nests elements more than ${MAX_XML_DEPTH} levels deep`);
      if (++elements > maxElements) throw new XmlParseError('too_large', `the document holds more than ${maxElements} elements`);
      const { attributes } = node as Element;
      for (let index = 0; index < attributes.length; index++) {
        const attribute = attributes[index] as Attr;
        const prefix = declaredPrefix(attribute);
        if (prefix === undefined) continue;
        bindings.add(`${prefix} ${attribute.value}`);
        if (bindings.size > MAX_NAMESPACE_BINDINGS) {
          throw new XmlParseError('malformed', `the document declares more than ${MAX_NAMESPACE_BINDINGS} different namespace bindings`);
        }
      }
    }
    for (let child = node.firstChild; child; child = child.nextSibling) pending.push([child, node.nodeType === 1 ? depth + 1 : 1]);
  }
}

/** The prefix a namespace declaration binds ('' for the default namespace), or undefined for another attribute. */
export function declaredPrefix(attribute: Attr): string | undefined {
  if (attribute.name === 'xmlns') return '';
  return attribute.name.startsWith('xmlns:') ? attribute.name.slice(6) : undefined;
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
