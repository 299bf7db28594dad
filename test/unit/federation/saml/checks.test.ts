import { describe, expect, it } from 'vitest';
import type { AssertionFacts } from '../../../../src/federation/saml/assertion.ts';
import { checkAssertion, duration } from '../../../../src/federation/saml/checks.ts';
import { SamlValidationError } from '../../../../src/federation/saml/errors.ts';

/* The pure rules on a signed assertion, case by case, without XML or keys. */
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const now = new Date('2030-06-01T12:00:00Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
const expected = { idpEntityId: 'urn:idp', spEntityId: 'urn:sp', acsUrl: 'https://sp.test/acs', now, clockSkewSeconds: 60 };
const response = { issuer: 'urn:idp', destination: 'https://sp.test/acs', inResponseTo: '_req' };

function assertion(overrides: Partial<AssertionFacts> = {}): AssertionFacts {
  return {
    id: '_a',
    issuer: 'urn:idp',
    nameId: { value: 'alice' },
    confirmations: [{ method: BEARER, recipient: 'https://sp.test/acs', notOnOrAfter: at(300), inResponseTo: '_req' }],
    notBefore: at(-10),
    notOnOrAfter: at(300),
    audienceRestrictions: [['urn:sp']],
    attributes: {},
    ...overrides,
  };
}

function reason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof SamlValidationError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('checkAssertion', () => {
  it('accepts a good assertion and says how long to remember it', () => {
    expect(checkAssertion(assertion(), response, expected)).toEqual({ requestId: '_req', acceptableUntil: Date.parse(at(360)) });
  });

  it('remembers it until the earlier of the two expiries, plus skew', () => {
    const short = assertion({ confirmations: [{ method: BEARER, recipient: 'https://sp.test/acs', notOnOrAfter: at(100) }] });
    expect(checkAssertion(short, { ...response, inResponseTo: undefined }, expected).acceptableUntil).toBe(Date.parse(at(160)));
  });

  it('requires every AudienceRestriction to name us', () => {
    expect(reason(() => checkAssertion(assertion({ audienceRestrictions: [['urn:sp', 'urn:other'], ['urn:sp']] }), response, expected))).toBe('accepted');
    expect(reason(() => checkAssertion(assertion({ audienceRestrictions: [['urn:sp'], ['urn:other']] }), response, expected))).toBe('audience_mismatch');
    expect(reason(() => checkAssertion(assertion({ audienceRestrictions: [] }), response, expected))).toBe('audience_mismatch');
  });

  it('checks the Response issuer only when it names one, the assertion issuer always', () => {
    expect(reason(() => checkAssertion(assertion(), { ...response, issuer: undefined }, expected))).toBe('accepted');
    expect(reason(() => checkAssertion(assertion(), { ...response, issuer: 'urn:evil' }, expected))).toBe('issuer_mismatch');
    expect(reason(() => checkAssertion(assertion({ issuer: undefined }), response, expected))).toBe('issuer_mismatch');
  });

  it('accepts the first bearer confirmation that passes, ignoring other methods', () => {
    const confirmations = [
      { method: 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key', recipient: 'https://sp.test/acs', notOnOrAfter: at(300) },
      { method: BEARER, recipient: 'https://elsewhere.test/acs', notOnOrAfter: at(300) },
      { method: BEARER, recipient: 'https://sp.test/acs', notOnOrAfter: at(300), inResponseTo: '_req' },
    ];
    expect(reason(() => checkAssertion(assertion({ confirmations }), response, expected))).toBe('accepted');
    expect(reason(() => checkAssertion(assertion({ confirmations: confirmations.slice(0, 2) }), response, expected))).toBe('recipient_mismatch');
    expect(reason(() => checkAssertion(assertion({ confirmations: confirmations.slice(0, 1) }), response, expected))).toBe('malformed');
  });

  it('requires NotOnOrAfter on a bearer confirmation and well-formed instants everywhere', () => {
    const noExpiry = [{ method: BEARER, recipient: 'https://sp.test/acs' }];
    expect(reason(() => checkAssertion(assertion({ confirmations: noExpiry }), response, expected))).toBe('malformed');
    expect(reason(() => checkAssertion(assertion({ notOnOrAfter: 'tomorrow' }), response, expected))).toBe('malformed');
  });

  it('returns the signed InResponseTo and refuses a disagreeing one', () => {
    expect(checkAssertion(assertion(), { ...response, inResponseTo: undefined }, expected).requestId).toBe('_req');
    expect(reason(() => checkAssertion(assertion(), { ...response, inResponseTo: '_other' }, expected))).toBe('in_response_to_mismatch');
    const unsolicited = assertion({ confirmations: [{ method: BEARER, recipient: 'https://sp.test/acs', notOnOrAfter: at(300) }] });
    expect(checkAssertion(unsolicited, { ...response, inResponseTo: undefined }, expected).requestId).toBeUndefined();
  });

  it('never takes the request from the Response alone: an unsolicited assertion in a Response that names one is refused', () => {
    const unsolicited = assertion({ confirmations: [{ method: BEARER, recipient: 'https://sp.test/acs', notOnOrAfter: at(300) }] });
    expect(reason(() => checkAssertion(unsolicited, response, expected))).toBe('in_response_to_mismatch');
  });

  it('words durations for people', () => {
    expect([duration(1000), duration(59_000), duration(300_000), duration(3 * 3600_000), duration(5 * 86_400_000)])
      .toEqual(['1 second', '59 seconds', '5 minutes', '3 hours', '5 days']);
  });
});
