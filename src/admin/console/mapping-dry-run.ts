import { applyMappingRules, parseMappingRules, type MappedAccess } from '../../directory/mapping-rules.ts';
import { mapAssertionToIdentity, parseSamlMapping, type MappedIdentity } from '../../federation/saml/mapping.ts';
import { attribute, child, descendants, NS, parseXml, text } from '../../federation/saml/xml.ts';

/*
 * What a connection's rules would give someone, before they are saved: the admin pastes an assertion (or a
 * whole response, XML or base64 as the IdP posts it) or a plain attribute list, and sees the identity and the
 * groups and roles, through the very functions a sign-in uses (mapAssertionToIdentity, applyMappingRules).
 * Nothing is verified or stored: a pasted assertion is only read, never trusted.
 */
export interface DryRunSample {
  nameId?: { value: string; format?: string };
  attributes: Record<string, string[]>;
}

export interface DryRunResult {
  identity: MappedIdentity;
  access: MappedAccess;
}

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

/** The attributes a pasted sample states; undefined when it is neither SAML XML nor `name: value, value` lines. */
export function readSample(input: string): DryRunSample | undefined {
  const trimmed = input.trim();
  if (!trimmed) return undefined;
  if (trimmed.startsWith('<')) return fromXml(trimmed);
  if (BASE64.test(trimmed) && !trimmed.includes(':')) {
    const decoded = Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8').trim();
    return decoded.startsWith('<') ? fromXml(decoded) : undefined;
  }
  return fromLines(trimmed);
}

function fromXml(xml: string): DryRunSample | undefined {
  let assertion;
  try {
    assertion = descendants(parseXml(xml), NS.assertion, 'Assertion')[0];
  } catch {
    return undefined;
  }
  if (!assertion) return undefined;
  const attributes: Record<string, string[]> = {};
  for (const element of descendants(assertion, NS.assertion, 'Attribute')) {
    const name = attribute(element, 'Name');
    if (!name) continue;
    const values = descendants(element, NS.assertion, 'AttributeValue').map((v) => text(v) ?? '').filter(Boolean);
    attributes[name] = [...(attributes[name] ?? []), ...values];
  }
  const subject = child(assertion, NS.assertion, 'Subject');
  const nameIdElement = subject && child(subject, NS.assertion, 'NameID');
  const value = text(nameIdElement);
  const format = attribute(nameIdElement, 'Format');
  return { attributes, ...(value ? { nameId: { value, ...(format ? { format } : {}) } } : {}) };
}

function fromLines(input: string): DryRunSample | undefined {
  const attributes: Record<string, string[]> = {};
  for (const line of input.split('\n').map((l) => l.trim()).filter(Boolean)) {
    // Attribute names may be URIs (`http://schemas...`): the separator is the last ":" or "=" followed by a blank.
    const match = /^(.+?)\s*(?:[:=]\s+|=)(.*)$/.exec(line);
    if (!match) return undefined;
    attributes[match[1]!] = [...(attributes[match[1]!] ?? []), ...match[2]!.split(',').map((v) => v.trim()).filter(Boolean)];
  }
  return { attributes };
}

/** @throws ValidationError when the mapping or the rules are invalid (named by path, as when saving). */
export function dryRunMapping(mapping: Record<string, unknown>, sample: DryRunSample): DryRunResult {
  const identity = mapAssertionToIdentity(sample.attributes, sample.nameId ?? { value: '' }, parseSamlMapping(mapping));
  return { identity, access: applyMappingRules(parseMappingRules(mapping.rules), identity) };
}
