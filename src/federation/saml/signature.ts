import type { CompiledConnection } from './compiled-connection.ts';
import { fingerprintOf } from './certificates.ts';
import type { Envelope } from './envelope.ts';
import { SamlValidationError } from './errors.ts';
import { children, descendants, NS, text } from './xml.ts';

/*
 * - the assertion's signature is verified by node-saml (xml-crypto) against the configured certificates
 *   only; xml-crypto ignores certificates carried in KeyInfo unless told otherwise, and we never tell it
 * - when the Response is signed too, that signature must verify as well: a present but broken signature is
 *   not "optional"
 * - what comes back is the assertion exactly as signed (the canonical bytes the digest covered), and it is
 *   the only thing identity and conditions are read from: an element elsewhere in the document, or one the
 *   verifier did not cover, can never be mistaken for the signed one (signature wrapping)
 * - on failure, the KeyInfo certificate is used for one thing: telling the admin whether the IdP signed with
 *   a certificate this connection does not list (a rollover they missed) or the response was altered
 */
export async function verifySignedAssertion(compiled: CompiledConnection, samlResponse: string, envelope: Envelope): Promise<string> {
  const verifier = envelope.responseSigned ? compiled.signedResponseVerifier : compiled.verifier;
  let assertionXml: string | undefined;
  try {
    const { profile } = await verifier.validatePostResponseAsync({ SAMLResponse: samlResponse });
    assertionXml = profile?.getAssertionXml?.();
  } catch (error) {
    throw refusal(compiled, envelope, error as Error);
  }
  if (!assertionXml) throw new SamlValidationError('malformed', 'no signed assertion could be read from the response');
  return assertionXml;
}

function refusal(compiled: CompiledConnection, envelope: Envelope, error: Error): SamlValidationError {
  const message = error.message ?? String(error);
  if (!/signature|signed/i.test(message)) {
    return new SamlValidationError('malformed', `the response could not be processed: ${message}`, { cause: error });
  }
  const presented = descendants(envelope.response, NS.dsig, 'Signature')
    .flatMap((signature) => children(signature, NS.dsig, 'KeyInfo'))
    .flatMap((keyInfo) => descendants(keyInfo, NS.dsig, 'X509Certificate'))
    .map((element) => fingerprintOf(text(element) ?? ''))
    .filter((fingerprint): fingerprint is string => fingerprint !== undefined);
  const unknown = presented.find((fingerprint) => !compiled.trustedFingerprints.has(fingerprint));
  if (unknown) {
    return new SamlValidationError(
      'unknown_signer',
      `signed by an unknown certificate (SHA-256 ${unknown}); the connection lists ${compiled.trustedFingerprints.size} certificate(s)`,
      { cause: error },
    );
  }
  return new SamlValidationError(
    'invalid_signature',
    'the signature does not verify with the configured certificates: the response was altered after signing, or signed with another key',
    { cause: error },
  );
}
