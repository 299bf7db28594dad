import { X509Certificate } from 'node:crypto';

/*
 * IdP signing certificates as admins paste them: PEM, or the bare base64 that metadata and KeyInfo carry.
 * A certificate is only a container for the IdP's public key here; its validity dates are reported, not
 * enforced, because IdPs commonly sign with long-expired self-signed certificates and the trust decision is
 * the admin's explicit configuration (SAML Metadata Interop Profile 2.6: keys are trusted by configuration,
 * not by the certificate's contents).
 */
export interface CertificateSummary {
  /** Colon-separated upper-case hex, as admin consoles of IdPs display it. */
  fingerprintSha256: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  keyType: string;
  keyBits?: number;
}

/** Minimum RSA modulus; xml-crypto verifies RSA signatures only. */
export const MIN_RSA_BITS = 2048;

const PEM = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/;

/** PEM with 64-character lines, or throws with a sentence an admin can act on. */
export function normalizeCertificate(input: string): string {
  const body = (PEM.exec(input)?.[1] ?? input).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new Error('is not a PEM or base64 X.509 certificate');
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
  const certificate = parseCertificate(pem);
  const details = certificate.publicKey.asymmetricKeyDetails;
  if (certificate.publicKey.asymmetricKeyType !== 'rsa') {
    throw new Error(`has a ${certificate.publicKey.asymmetricKeyType ?? 'unknown'} key; only RSA signatures are verified`);
  }
  if ((details?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new Error(`has a ${details?.modulusLength ?? '?'}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
  }
  return pem;
}

export function describeCertificate(pem: string): CertificateSummary {
  const certificate = parseCertificate(pem);
  const summary: CertificateSummary = {
    fingerprintSha256: certificate.fingerprint256,
    subject: certificate.subject,
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
    keyType: certificate.publicKey.asymmetricKeyType ?? 'unknown',
  };
  const bits = certificate.publicKey.asymmetricKeyDetails?.modulusLength;
  if (bits) summary.keyBits = bits;
  return summary;
}

/** SHA-256 fingerprint of a certificate given as PEM or bare base64, or undefined when it does not parse. */
export function fingerprintOf(certificate: string): string | undefined {
  try {
    const body = (PEM.exec(certificate)?.[1] ?? certificate).replace(/\s+/g, '');
    return new X509Certificate(Buffer.from(body, 'base64')).fingerprint256;
  } catch {
    return undefined;
  }
}

function parseCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new Error('is not a parseable X.509 certificate');
  }
}
