import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';

/*
 * Self-signed X.509 certificates: the development SP key pair (certs in the data directory) and the keys of
 * test IdPs, made on the spot so no key material is checked in. node:crypto reads certificates but cannot
 * issue them, so this encodes the few DER structures of an RFC 5280 certificate itself: version 3, random
 * serial, one CN for issuer and subject, a validity window and the key's SubjectPublicKeyInfo, signed
 * sha256WithRSAEncryption.
 */
export interface SelfSignedKeyPair {
  privateKeyPem: string;
  certificatePem: string;
  /** The certificate's base64 body, as metadata and KeyInfo carry it. */
  certificateBase64: string;
}

export interface CertificateOptions {
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
  modulusLength?: number;
}

export function createSelfSignedKeyPair(options: CertificateOptions = {}): SelfSignedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: options.modulusLength ?? 2048 });
  const notBefore = options.notBefore ?? new Date(Date.now() - 86_400_000);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 3650 * 86_400_000);
  const name = der(0x30, der(0x31, der(0x30, oid('2.5.4.3'), der(0x0c, Buffer.from(options.commonName ?? 'test')))));
  const sha256WithRsa = der(0x30, oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const serial = randomBytes(16);
  // A positive INTEGER in minimal DER: top bit clear, and a first byte that is never 0 (X.690 8.3.2).
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, Buffer.from([0x02]))),
    der(0x02, serial),
    sha256WithRsa,
    name,
    der(0x30, time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = der(0x30, tbs, sha256WithRsa, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const certificateBase64 = certificate.toString('base64');
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${certificateBase64.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
  new X509Certificate(certificatePem); // fail here, not at first use, if the encoding is wrong
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem,
    certificateBase64,
  };
}

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) chunk.unshift((value & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`)) : der(0x18, Buffer.from(`${iso}Z`));
}
