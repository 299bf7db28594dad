/*
 * Our SP metadata (SAML Metadata 2.4.4) for the IdP admin to import: one entity per connection, the ACS on
 * the HTTP-POST binding, WantAssertionsSigned="true" because unsigned assertions are refused, and the SP
 * certificate when AuthnRequests are signed or assertions may be encrypted to us.
 */
export interface SpMetadataInput {
  spEntityId: string;
  acsUrl: string;
  signingCert?: string;
  encryptionCert?: string;
  nameIdFormat?: string;
  wantAssertionsSigned: true;
}

const POST_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export function buildSpMetadata(input: SpMetadataInput): string {
  const keyDescriptor = (use: 'signing' | 'encryption', pem: string) =>
    `    <md:KeyDescriptor use="${use}">\n` +
    `      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n` +
    `    </md:KeyDescriptor>\n`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${escape(input.spEntityId)}">\n` +
    `  <md:SPSSODescriptor AuthnRequestsSigned="${input.signingCert ? 'true' : 'false'}" WantAssertionsSigned="${input.wantAssertionsSigned}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n` +
    (input.signingCert ? keyDescriptor('signing', input.signingCert) : '') +
    (input.encryptionCert ? keyDescriptor('encryption', input.encryptionCert) : '') +
    (input.nameIdFormat ? `    <md:NameIDFormat>${escape(input.nameIdFormat)}</md:NameIDFormat>\n` : '') +
    `    <md:AssertionConsumerService index="0" isDefault="true" Binding="${POST_BINDING}" Location="${escape(input.acsUrl)}"/>\n` +
    '  </md:SPSSODescriptor>\n' +
    '</md:EntityDescriptor>\n'
  );
}

function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
