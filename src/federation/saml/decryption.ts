import { decrypt } from 'xml-encryption';
import { SamlValidationError } from './errors.ts';

/*
 * An EncryptedAssertion (SAML Core 2.3.4) decrypted with the SP key, so the assertion inside goes through
 * the same envelope rules as a plain one (its own signature, allowed algorithms) before node-saml decrypts
 * it again to verify it. RSA-PKCS#1 v1.5 key transport and 3DES are refused: the first is open to
 * Bleichenbacher-style padding oracles (XML Encryption 1.1, 5.5.1), the second is deprecated.
 */
export function decryptAssertion(encryptedAssertionXml: string, privateKeyPem: string): Promise<string> {
  const refused = (error: Error) =>
    new SamlValidationError('malformed', `the encrypted assertion could not be decrypted: ${error.message}`, { cause: error });
  return new Promise((resolve, reject) => {
    try {
      decrypt(encryptedAssertionXml, { key: privateKeyPem, disallowDecryptionWithInsecureAlgorithm: true, warnInsecureAlgorithm: false }, (error, result) => {
        if (error) reject(refused(error));
        else resolve(result);
      });
    } catch (error) {
      // Some refusals (the key transport algorithm) are thrown rather than passed to the callback.
      reject(refused(error as Error));
    }
  });
}
