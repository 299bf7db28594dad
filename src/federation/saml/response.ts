import type { ExternalIdentity } from '../connector.ts';
import { amrFromAuthnContext } from './amr.ts';
import { readAssertion, readResponseFacts } from './assertion.ts';
import { checkAssertion } from './checks.ts';
import type { CompiledConnection } from './compiled-connection.ts';
import { decryptAssertion } from './decryption.ts';
import { decodeSamlResponse, type Envelope, type EnvelopeRules, inspectDecryptedAssertion, inspectEnvelope } from './envelope.ts';
import { SamlValidationError } from './errors.ts';
import { mapAssertionToIdentity } from './mapping.ts';
import { type OutstandingRequest, REQUEST_TTL_SECONDS, type RequestState } from './request-state.ts';
import { verifySignedAssertion } from './signature.ts';
import { XmlParseError } from './xml.ts';

/*
 * The ACS step, in an order that matters:
 * 1. stateless refusals that need no IdP key (size, DOCTYPE, status, shape, algorithms; for an encrypted
 *    assertion, the same on its plaintext)
 * 2. the signature, against configured certificates only
 * 3. every rule on the signed assertion (checks.ts)
 * 4. only then state: the assertion id is claimed (replay) and the request id consumed. Touching state
 *    earlier would let anyone who can post to the ACS spend a legitimate user's request id, or an
 *    assertion id, with a forged response. The assertion id goes first so that the same response posted
 *    twice is reported as `replayed`; the request is looked up (not spent) before, so an unknown request
 *    burns nothing, and consumed after, atomically, so two different assertions cannot both answer it.
 */
export interface CompleteSignInInput {
  samlResponse: string;
  /** The RelayState posted with the response; must be the one the request was started with. */
  relayState?: string;
}

export interface CompletedSignIn {
  identity: ExternalIdentity;
  /** The AuthnRequest this answered; absent for an accepted IdP-initiated response. */
  requestId?: string;
}

export async function completeSamlSignIn(
  compiled: CompiledConnection,
  state: RequestState,
  now: () => Date,
  input: CompleteSignInInput,
): Promise<CompletedSignIn> {
  const { settings, endpoints, connectionId } = compiled;
  const xml = decodeSamlResponse(input.samlResponse);
  const rules = { allowSha1: settings.allowSha1, canDecrypt: compiled.decryptionKeyPem !== undefined };
  const envelope = inspectEnvelope(xml, rules);
  const signedXml = verifySignedAssertion(compiled, envelope, envelope.assertion ?? await decrypted(compiled, envelope, rules));

  const assertion = readSigned(signedXml);
  const accepted = checkAssertion(assertion, readResponseFacts(envelope.response), {
    idpEntityId: settings.idpEntityId,
    spEntityId: endpoints.spEntityId,
    acsUrl: endpoints.acsUrl,
    now: now(),
    clockSkewSeconds: settings.clockSkewSeconds,
  });
  const { requestId } = accepted;
  if (!requestId && !settings.allowIdpInitiated) {
    throw new SamlValidationError('unsolicited', 'the response answers no request (IdP-initiated sign-in), which this connection does not allow');
  }

  // Both looked up at once (neither spends anything); a replay is reported before an unknown request.
  const [seen, request] = await Promise.all([
    state.wasAssertionSeen(connectionId, assertion.id),
    requestId ? state.findRequest(connectionId, requestId) : undefined,
  ]);
  if (seen) throw replayed(assertion.id);
  if (requestId) {
    if (!request || isExpired(request, now())) throw unknownRequest(requestId);
    if (request.relayState !== input.relayState) {
      throw new SamlValidationError('relay_state_mismatch', 'the RelayState posted with the response is not the one the sign-in was started with');
    }
  }
  const ttlSeconds = Math.ceil((accepted.acceptableUntil - now().getTime()) / 1000);
  if (!(await state.claimAssertion(connectionId, assertion.id, ttlSeconds))) throw replayed(assertion.id);
  if (requestId && !(await state.consumeRequest(connectionId, requestId))) throw unknownRequest(requestId);

  const mapped = mapAssertionToIdentity(assertion.attributes, assertion.nameId as { value: string; format?: string }, compiled.mapping);
  const identity: ExternalIdentity = {
    connectionId,
    orgId: compiled.orgId,
    protocol: 'saml',
    ...mapped,
    amr: amrFromAuthnContext(assertion.authnContext),
  };
  if (assertion.sessionIndex) identity.sessionIndex = assertion.sessionIndex;
  if (assertion.authnContext) identity.authnContext = assertion.authnContext;
  return requestId ? { identity, requestId } : { identity };
}

/** The plaintext assertion of an encrypted one, held to the plain one's envelope rules. */
async function decrypted(compiled: CompiledConnection, envelope: Envelope, rules: EnvelopeRules): Promise<Element> {
  // inspectEnvelope has refused an encrypted assertion the connection cannot decrypt.
  if (!envelope.encryptedAssertion || !compiled.decryptionKeyPem) throw new TypeError('no encrypted assertion to decrypt');
  return inspectDecryptedAssertion(await decryptAssertion(envelope.encryptedAssertion.toString(), compiled.decryptionKeyPem), rules);
}

function readSigned(signedXml: string) {
  try {
    return readAssertion(signedXml);
  } catch (error) {
    if (error instanceof XmlParseError) throw new SamlValidationError(error.problem, error.message);
    throw error;
  }
}

/** The store's TTL expires requests too; this makes the limit exact whatever the backend's clock says. */
function isExpired(request: OutstandingRequest, now: Date): boolean {
  return now.getTime() - Date.parse(request.createdAt) >= REQUEST_TTL_SECONDS * 1000;
}

function replayed(assertionId: string): SamlValidationError {
  return new SamlValidationError('replayed', `assertion ${assertionId} was already used to sign in`);
}

function unknownRequest(requestId: string): SamlValidationError {
  return new SamlValidationError(
    'in_response_to_unknown',
    `the response answers request ${requestId.slice(0, 64)}, which this connection did not send, has expired (10 minutes) or was already answered`,
  );
}
