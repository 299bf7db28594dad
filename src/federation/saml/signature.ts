import type { CompiledConnection } from './compiled-connection.ts';
import { fingerprintOf } from './certificates.ts';
import type { Envelope } from './envelope.ts';
import { SamlValidationError } from './errors.ts';
import { children, descendants, NS, text } from './xml.ts';
import { verifyEnvelopedSignature, XmlSignatureError } from './xmldsig.ts';

/*
 * - the assertion's signature is verified (xmldsig.ts) against the configured certificates only; a
 *   certificate carried in KeyInfo is never trusted
 * - when the Response is signed too, that signature must verify as well: a present but broken signature is
 *   not "optional"
 * - what comes back is the assertion exactly as signed (the canonical bytes the digest covered), and it is
 *   the only thing identity and conditions are read from: an element elsewhere in the document, or one the
 *   verifier did not cover, can never be mistaken for the signed one (signature wrapping)
 * - on failure, the KeyInfo certificate is used for one thing: telling the admin whether the IdP signed with
 *   a certificate this connection does not list (a rollover they missed) or the response was altered
 */
export function verifySignedAssertion(compiled: CompiledConnection, envelope: Envelope, assertion: Element): string {
  const rules = { keys: compiled.verificationKeys, allowSha1: compiled.settings.allowSha1 };
  try {
    if (envelope.responseSigned) verifyEnvelopedSignature(envelope.response, rules);
    return verifyEnvelopedSignature(assertion, rules);
  } catch (error) {
    if (error instanceof XmlSignatureError) throw refusal(compiled, envelope, error);
    throw error;
  }
}

function refusal(compiled: CompiledConnection, envelope: Envelope, error: XmlSignatureError): SamlValidationError {
  if (error.problem === 'sha1') return new SamlValidationError('sha1_refused', error.message, { cause: error });
  if (error.problem === 'algorithm') return new SamlValidationError('unsupported_algorithm', error.message, { cause: error });
  if (error.problem === 'shape') return new SamlValidationError('invalid_signature', error.message, { cause: error });
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
    `the signature does not verify with the configured certificates: the response was altered after signing, or signed with another key (${error.message})`,
    { cause: error },
  );
}
