import { normalizeCertificate } from './certificates.ts';
import { SamlMetadataError } from './errors.ts';
import { attribute, children, descendants, isElement, NS, parseXml, text, XmlParseError } from './xml.ts';

/*
 * IdP metadata (SAML Metadata 2.3-2.4) turned into connection settings an admin can review before saving:
 * - one EntityDescriptor, alone or inside an EntitiesDescriptor (a federation aggregate); with several, the
 *   caller names the entityID it wants
 * - it must have an IDPSSODescriptor with a SingleSignOnService; HTTP-Redirect is what we send, HTTP-POST is
 *   reported so the admin sees why an IdP that offers only POST cannot be used yet
 * - every KeyDescriptor for signing (use="signing" or no use, 2.4.1.1) contributes its certificates
 * - no DOCTYPE and at most 1 MiB, before parsing
 * The metadata's own signature is not verified: the admin who pastes or links it is the trust anchor.
 */
export const MAX_METADATA_BYTES = 1024 * 1024;

export const BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export interface IdpMetadata {
  idpEntityId: string;
  /** The HTTP-Redirect SingleSignOnService location, when the IdP offers one. */
  ssoUrl?: string;
  /** The HTTP-POST location, when offered (reported; AuthnRequests go over HTTP-Redirect). */
  ssoPostUrl?: string;
  /** Normalised PEM, in document order, without duplicates. */
  idpCertificates: string[];
  nameIdFormats: string[];
  wantAuthnRequestsSigned: boolean;
}

export function parseIdpMetadata(xml: string, options: { entityId?: string } = {}): IdpMetadata {
  if (Buffer.byteLength(xml, 'utf8') > MAX_METADATA_BYTES) {
    throw new SamlMetadataError('too_large', `metadata is larger than ${MAX_METADATA_BYTES} bytes`);
  }
  const entity = pickEntity(parse(xml), options.entityId);
  const idpEntityId = attribute(entity, 'entityID') ?? '';
  const descriptor = children(entity, NS.metadata, 'IDPSSODescriptor')
    .find((candidate) => (attribute(candidate, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes('urn:oasis:names:tc:SAML:2.0:protocol'));
  if (!descriptor) throw new SamlMetadataError('no_idp_descriptor', `entity ${idpEntityId} has no SAML 2.0 IDPSSODescriptor`);

  const sso = children(descriptor, NS.metadata, 'SingleSignOnService');
  const locationOf = (binding: string) => attribute(sso.find((service) => attribute(service, 'Binding') === binding), 'Location');
  const ssoUrl = locationOf(BINDINGS.redirect);
  const ssoPostUrl = locationOf(BINDINGS.post);
  if (!ssoUrl && !ssoPostUrl) throw new SamlMetadataError('no_sso_service', `entity ${idpEntityId} has no HTTP-Redirect or HTTP-POST SingleSignOnService`);

  const certificates = new Set<string>();
  for (const key of children(descriptor, NS.metadata, 'KeyDescriptor')) {
    const use = attribute(key, 'use');
    if (use !== undefined && use !== 'signing') continue;
    for (const element of descendants(key, NS.dsig, 'X509Certificate')) {
      try {
        certificates.add(normalizeCertificate(text(element) ?? ''));
      } catch (error) {
        throw new SamlMetadataError('no_certificate', `a signing certificate of entity ${idpEntityId} ${(error as Error).message}`);
      }
    }
  }
  if (certificates.size === 0) throw new SamlMetadataError('no_certificate', `entity ${idpEntityId} publishes no signing certificate`);

  const metadata: IdpMetadata = {
    idpEntityId,
    idpCertificates: [...certificates],
    nameIdFormats: children(descriptor, NS.metadata, 'NameIDFormat').map((format) => text(format) ?? '').filter(Boolean),
    wantAuthnRequestsSigned: attribute(descriptor, 'WantAuthnRequestsSigned') === 'true',
  };
  if (ssoUrl) metadata.ssoUrl = ssoUrl;
  if (ssoPostUrl) metadata.ssoPostUrl = ssoPostUrl;
  return metadata;
}

function parse(xml: string): Document {
  try {
    return parseXml(xml);
  } catch (error) {
    if (error instanceof XmlParseError) throw new SamlMetadataError(error.problem, `metadata ${error.message}`);
    throw error;
  }
}

function pickEntity(doc: Document, entityId: string | undefined): Element {
  const root: Element = doc.documentElement;
  if (!isElement(root, NS.metadata, 'EntityDescriptor') && !isElement(root, NS.metadata, 'EntitiesDescriptor')) {
    throw new SamlMetadataError('malformed', `metadata root is ${doc.documentElement.localName}, not an EntityDescriptor or EntitiesDescriptor`);
  }
  const entities = isElement(root, NS.metadata, 'EntityDescriptor') ? [root] : descendants(root, NS.metadata, 'EntityDescriptor');
  if (entityId !== undefined) {
    const match = entities.find((entity) => attribute(entity, 'entityID') === entityId);
    if (!match) throw new SamlMetadataError('entity_not_found', `metadata has no entity ${entityId}`);
    return match;
  }
  const idps = entities.filter((entity) => children(entity, NS.metadata, 'IDPSSODescriptor').length > 0);
  if (entities.length === 1) return entities[0] as Element;
  if (idps.length === 1) return idps[0] as Element;
  if (entities.length === 0) throw new SamlMetadataError('entity_not_found', 'metadata contains no EntityDescriptor');
  throw new SamlMetadataError('entity_ambiguous', `metadata describes ${idps.length || entities.length} identity providers; name the entityID to use`);
}

/** The settings fields metadata determines, for an admin to review and save. */
export function settingsFromMetadata(metadata: IdpMetadata) {
  if (!metadata.ssoUrl) {
    throw new SamlMetadataError('no_sso_service', `entity ${metadata.idpEntityId} offers sign-in over HTTP-POST only; AuthnRequests are sent over HTTP-Redirect`);
  }
  return {
    idpEntityId: metadata.idpEntityId,
    ssoUrl: metadata.ssoUrl,
    ssoBinding: 'redirect' as const,
    idpCertificates: metadata.idpCertificates.slice(0, 5),
    signAuthnRequests: metadata.wantAuthnRequestsSigned,
  };
}
