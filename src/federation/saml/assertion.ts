import { SamlValidationError } from './errors.ts';
import { attribute, child, children, isElement, NS, parseXml, text } from './xml.ts';

/*
 * The statements of one signed assertion (SAML Core 2.3-2.7), read from the bytes the signature covered.
 * Timestamps stay strings here; checks.ts decides what they mean.
 */
export interface SubjectConfirmationFacts {
  method?: string;
  recipient?: string;
  notBefore?: string;
  notOnOrAfter?: string;
  inResponseTo?: string;
}

export interface AssertionFacts {
  id: string;
  issuer?: string;
  nameId?: { value: string; format?: string };
  confirmations: SubjectConfirmationFacts[];
  notBefore?: string;
  notOnOrAfter?: string;
  /** One entry per AudienceRestriction; each must name us (SAML Core 2.5.1.4). */
  audienceRestrictions: string[][];
  attributes: Record<string, string[]>;
  sessionIndex?: string;
  authnContext?: string;
}

/** The Response element's own claims, which are covered by a signature only when the Response is signed. */
export interface ResponseFacts {
  issuer?: string;
  destination?: string;
  inResponseTo?: string;
}

export function readResponseFacts(response: Element): ResponseFacts {
  return omitUndefined({
    issuer: text(child(response, NS.assertion, 'Issuer')),
    destination: attribute(response, 'Destination'),
    inResponseTo: attribute(response, 'InResponseTo'),
  });
}

export function readAssertion(signedXml: string): AssertionFacts {
  const assertion = parseXml(signedXml).documentElement;
  if (!isElement(assertion, NS.assertion, 'Assertion')) throw new SamlValidationError('malformed', 'the signed element is not an Assertion');
  const id = attribute(assertion, 'ID');
  if (!id) throw new SamlValidationError('malformed', 'the assertion has no ID');

  const subject = child(assertion, NS.assertion, 'Subject');
  const nameIdElement = subject && child(subject, NS.assertion, 'NameID');
  const nameIdValue = text(nameIdElement);
  const conditions = children(assertion, NS.assertion, 'Conditions');
  if (conditions.length > 1) throw new SamlValidationError('malformed', 'the assertion has more than one Conditions element');
  const authn = children(assertion, NS.assertion, 'AuthnStatement')[0];

  return {
    id,
    ...omitUndefined({ issuer: text(child(assertion, NS.assertion, 'Issuer')) }),
    ...(nameIdValue ? { nameId: { value: nameIdValue, ...omitUndefined({ format: attribute(nameIdElement, 'Format') }) } } : {}),
    confirmations: subject ? children(subject, NS.assertion, 'SubjectConfirmation').map(readConfirmation) : [],
    ...omitUndefined({ notBefore: attribute(conditions[0], 'NotBefore'), notOnOrAfter: attribute(conditions[0], 'NotOnOrAfter') }),
    audienceRestrictions: conditions[0]
      ? children(conditions[0], NS.assertion, 'AudienceRestriction').map((restriction) =>
          children(restriction, NS.assertion, 'Audience').map((audience) => text(audience) ?? ''))
      : [],
    attributes: readAttributes(assertion),
    ...omitUndefined({
      sessionIndex: attribute(authn, 'SessionIndex'),
      authnContext: text(authn && child(child(authn, NS.assertion, 'AuthnContext') ?? authn, NS.assertion, 'AuthnContextClassRef')),
    }),
  };
}

function readConfirmation(confirmation: Element): SubjectConfirmationFacts {
  const data = child(confirmation, NS.assertion, 'SubjectConfirmationData');
  return omitUndefined({
    method: attribute(confirmation, 'Method'),
    recipient: attribute(data, 'Recipient'),
    notBefore: attribute(data, 'NotBefore'),
    notOnOrAfter: attribute(data, 'NotOnOrAfter'),
    inResponseTo: attribute(data, 'InResponseTo'),
  });
}

/** Every AttributeValue of every Attribute, by Name; values of repeated Attributes are joined. */
function readAttributes(assertion: Element): Record<string, string[]> {
  const attributes: Record<string, string[]> = Object.create(null);
  for (const statement of children(assertion, NS.assertion, 'AttributeStatement')) {
    for (const element of children(statement, NS.assertion, 'Attribute')) {
      const name = attribute(element, 'Name');
      if (!name) continue;
      const values = children(element, NS.assertion, 'AttributeValue').map((value) => value.textContent?.trim() ?? '');
      (attributes[name] ??= []).push(...values.filter((value) => value !== ''));
    }
  }
  return attributes;
}

function omitUndefined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as never;
}
