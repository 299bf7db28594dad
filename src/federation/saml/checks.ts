import type { AssertionFacts, ResponseFacts, SubjectConfirmationFacts } from './assertion.ts';
import { SamlValidationError } from './errors.ts';

/*
 * The rules a signed assertion must satisfy to be accepted by this SP, as one pure function (SAML Profiles
 * 4.1.4.2-4.1.4.3, SAML Core 2.5):
 * - Issuer of the assertion, and of the Response when it names one, is the configured IdP entity ID
 * - Destination of the Response is this connection's ACS URL (SAML Bindings 3.5.5.2)
 * - every AudienceRestriction names this connection's SP entity ID
 * - now is within Conditions NotBefore / NotOnOrAfter, widened by the clock skew
 * - a NameID states the subject
 * - at least one bearer SubjectConfirmation whose data names our ACS URL as Recipient and is still within
 *   its NotOnOrAfter (which bearer confirmations must have)
 * - the request answered is the one the confirmation's InResponseTo names, which the assertion's signature
 *   covers (SAML Profiles 4.1.4.2); the Response's own, when it has one, must name the same request. An
 *   unsigned Response's InResponseTo alone never makes an unsolicited assertion answer a request. The id is
 *   returned for the caller to match against its store, which is state and therefore not decided here
 */
export interface AssertionExpectations {
  idpEntityId: string;
  spEntityId: string;
  acsUrl: string;
  now: Date;
  clockSkewSeconds: number;
}

export interface AcceptedAssertion {
  /** The AuthnRequest this answers; absent for an unsolicited (IdP-initiated) response. */
  requestId?: string;
  /** Last instant (ms) at which the assertion could still be accepted: how long to remember its id. */
  acceptableUntil: number;
}

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function checkAssertion(assertion: AssertionFacts, response: ResponseFacts, expected: AssertionExpectations): AcceptedAssertion {
  const now = expected.now.getTime();
  const skew = expected.clockSkewSeconds * 1000;

  for (const [where, issuer] of [['assertion', assertion.issuer], ['response', response.issuer]] as const) {
    if (where === 'response' && issuer === undefined) continue;
    if (issuer !== expected.idpEntityId) {
      throw new SamlValidationError('issuer_mismatch', `the ${where} was issued by ${quote(issuer)}; expected ${quote(expected.idpEntityId)}`);
    }
  }
  if (response.destination !== expected.acsUrl) {
    throw new SamlValidationError('destination_mismatch', `the response is addressed to ${quote(response.destination)}; expected ${quote(expected.acsUrl)}`);
  }
  if (assertion.audienceRestrictions.length === 0) {
    throw new SamlValidationError('audience_mismatch', 'the assertion names no Audience');
  }
  const foreign = assertion.audienceRestrictions.find((audiences) => !audiences.includes(expected.spEntityId));
  if (foreign) {
    throw new SamlValidationError('audience_mismatch', `the assertion is meant for ${foreign.map(quote).join(', ')}; expected ${quote(expected.spEntityId)}`);
  }
  checkWindow('the assertion', instant(assertion.notBefore, 'NotBefore'), instant(assertion.notOnOrAfter, 'NotOnOrAfter'), now, skew);
  if (!assertion.nameId) throw new SamlValidationError('missing_subject', 'the assertion has no NameID');

  const confirmation = acceptedConfirmation(assertion.confirmations, expected.acsUrl, now, skew);
  if (response.inResponseTo && response.inResponseTo !== confirmation.inResponseTo) {
    throw new SamlValidationError(
      'in_response_to_mismatch',
      confirmation.inResponseTo
        ? `the response answers ${quote(response.inResponseTo)} but its assertion answers ${quote(confirmation.inResponseTo)}`
        : `the response answers ${quote(response.inResponseTo)} but its assertion's subject confirmation names no request`,
    );
  }
  const expiries = [assertion.notOnOrAfter, confirmation.notOnOrAfter].map((value) => instant(value, 'NotOnOrAfter'));
  const accepted: AcceptedAssertion = {
    acceptableUntil: Math.min(...expiries.filter((value): value is number => value !== undefined)) + skew,
  };
  if (confirmation.inResponseTo) accepted.requestId = confirmation.inResponseTo;
  return accepted;
}

/** The first bearer confirmation that passes; otherwise the failure of the first bearer confirmation. */
function acceptedConfirmation(confirmations: SubjectConfirmationFacts[], acsUrl: string, now: number, skew: number) {
  const bearer = confirmations.filter((confirmation) => confirmation.method === BEARER);
  if (bearer.length === 0) throw new SamlValidationError('malformed', 'the assertion has no bearer SubjectConfirmation');
  let firstFailure: SamlValidationError | undefined;
  for (const confirmation of bearer) {
    try {
      if (confirmation.recipient !== acsUrl) {
        throw new SamlValidationError('recipient_mismatch', `the subject confirmation names Recipient ${quote(confirmation.recipient)}; expected ${quote(acsUrl)}`);
      }
      const notOnOrAfter = instant(confirmation.notOnOrAfter, 'NotOnOrAfter');
      if (notOnOrAfter === undefined) throw new SamlValidationError('malformed', 'the bearer subject confirmation has no NotOnOrAfter');
      checkWindow('the subject confirmation', instant(confirmation.notBefore, 'NotBefore'), notOnOrAfter, now, skew);
      return confirmation;
    } catch (error) {
      firstFailure ??= error as SamlValidationError;
    }
  }
  throw firstFailure as SamlValidationError;
}

function checkWindow(what: string, notBefore: number | undefined, notOnOrAfter: number | undefined, now: number, skew: number): void {
  if (notBefore !== undefined && now + skew < notBefore) {
    throw new SamlValidationError('not_yet_valid', `${what} is valid from ${new Date(notBefore).toISOString()}, ${duration(notBefore - now)} from now`);
  }
  if (notOnOrAfter !== undefined && now - skew >= notOnOrAfter) {
    throw new SamlValidationError('assertion_expired', `${what} expired ${duration(now - notOnOrAfter)} ago`);
  }
}

function instant(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new SamlValidationError('malformed', `${name} ${quote(value)} is not an xs:dateTime`);
  return ms;
}

/** "5 minutes", "90 seconds", "3 hours": precise enough for an admin comparing clocks. */
export function duration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
}

function quote(value: string | undefined): string {
  return value === undefined ? '(none)' : `"${value.length > 200 ? `${value.slice(0, 200)}...` : value}"`;
}
