import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { type SamlConfig, ValidateInResponseTo } from '@node-saml/node-saml';
import { ValidationError } from '../../common/errors.ts';
import type { Connection } from '../model.ts';
import { type SpEndpoints, spEndpoints } from './endpoints.ts';
import { parseSamlMapping, type SamlMapping } from './mapping.ts';
import { parseSamlSettings, type SamlSettings } from './settings.ts';

/*
 * Everything derived from a connection's stored settings that a response check needs, built once per
 * settings version rather than per request: the certificates' parsed public keys, endpoints and the
 * options of the AuthnRequests.
 * The cache is keyed by a digest of the settings and mapping, so an admin's change takes effect on the next
 * request of every instance without any invalidation message.
 */
export interface SpKeys {
  privateKeyPem: string;
  certificatePem: string;
}

export interface CompiledConnection {
  connectionId: string;
  orgId: string;
  settings: SamlSettings;
  mapping: SamlMapping;
  endpoints: SpEndpoints;
  trustedFingerprints: ReadonlySet<string>;
  /** The public keys of the IdP's certificates, parsed once: what a response's signatures must verify with. */
  verificationKeys: readonly KeyObject[];
  /** Private key assertions are encrypted to, when the connection accepts encrypted assertions. */
  decryptionKeyPem?: string;
  /** Options of the node-saml instance that writes this connection's AuthnRequests; requests add their own id. */
  samlOptions: SamlConfig;
}

export function compileConnection(connection: Connection, publicUrl: string, spKeys: SpKeys | undefined): CompiledConnection {
  if (connection.kind !== 'saml') throw new TypeError(`connection ${connection.id} is not a SAML connection`);
  const settings = parseSamlSettings(connection.settings);
  const mapping = parseSamlMapping(connection.mapping);
  const endpoints = spEndpoints(publicUrl, connection, settings.spEntityId);
  const needKeys = (['signAuthnRequests', 'decryptAssertions'] as const).filter((key) => settings[key] && !spKeys);
  if (needKeys.length > 0) {
    throw new ValidationError('Invalid SAML connection settings', needKeys.map((key) => ({
      path: `settings.${key}`,
      message: 'needs SP keys, and none are configured',
    })));
  }
  // Settings hold only certificates normalizeCertificate accepted (certificates.ts): each parses.
  const certificates = settings.idpCertificates.map((pem) => new X509Certificate(pem));
  const decryptionKeyPem = settings.decryptAssertions ? spKeys?.privateKeyPem : undefined;
  const signing = settings.signAuthnRequests && spKeys
    ? { privateKey: spKeys.privateKeyPem, publicCert: spKeys.certificatePem }
    : {};
  // node-saml writes the AuthnRequests; responses are verified by this connector (response.ts).
  const samlOptions: SamlConfig = {
    // Required by node-saml's constructor, and used for nothing it does here.
    idpCert: settings.idpCertificates,
    issuer: endpoints.spEntityId,
    callbackUrl: endpoints.acsUrl,
    entryPoint: settings.ssoUrl,
    identifierFormat: settings.nameIdFormat ?? null,
    // A fixed RequestedAuthnContext (node-saml asks for PasswordProtectedTransport) makes Entra ID and ADFS
    // refuse users who sign in with MFA or Kerberos; the IdP's own policy decides.
    disableRequestedAuthnContext: true,
    signatureAlgorithm: 'sha256',
    ...signing,
    // Request ids are kept and consumed by this connector (request-state.ts); node-saml's own cache would
    // hold every id this process ever sent.
    validateInResponseTo: ValidateInResponseTo.never,
  };
  return {
    connectionId: connection.id,
    orgId: connection.orgId,
    settings,
    mapping,
    endpoints,
    trustedFingerprints: new Set(certificates.map((certificate) => certificate.fingerprint256)),
    verificationKeys: certificates.map((certificate) => certificate.publicKey),
    ...(decryptionKeyPem ? { decryptionKeyPem } : {}),
    samlOptions,
  };
}

/** Compiled connections by id, rebuilt when the settings digest changes; bounded, oldest dropped first. */
export function createCompiledConnectionCache(publicUrl: string, spKeys: SpKeys | undefined, maxEntries = 1000) {
  const entries = new Map<string, { digest: string; compiled: CompiledConnection }>();
  return (connection: Connection): CompiledConnection => {
    const digest = createHash('sha256')
      .update(JSON.stringify([connection.orgId, connection.kind, connection.settings, connection.mapping]))
      .digest('base64url');
    const cached = entries.get(connection.id);
    if (cached?.digest === digest) return cached.compiled;
    const compiled = compileConnection(connection, publicUrl, spKeys);
    entries.delete(connection.id);
    entries.set(connection.id, { digest, compiled });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    return compiled;
  };
}
