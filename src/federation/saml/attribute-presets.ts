/*
 * Attribute names the common IdPs send, so an admin picks "Entra ID" instead of typing claim URIs. Each field
 * lists candidates in order; the first one present in an assertion wins (groups: every one present counts).
 *
 * - Okta and Google Workspace send what the admin configures in the app's attribute statements; these are
 *   the names their setup guides use.
 * - Entra ID and ADFS send WS-Federation claim type URIs (Microsoft's "SAML token claims reference" and the
 *   ADFS claim descriptions).
 */
export interface AttributeNames {
  email: string[];
  name: string[];
  givenName: string[];
  familyName: string[];
  groups: string[];
}

export const ATTRIBUTE_PRESET_NAMES = ['generic', 'okta', 'entra', 'google', 'adfs'] as const;
export type AttributePreset = (typeof ATTRIBUTE_PRESET_NAMES)[number];

const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
const MS_CLAIMS = 'http://schemas.microsoft.com/ws/2008/06/identity/claims';

export const ATTRIBUTE_PRESETS: Readonly<Record<AttributePreset, Readonly<AttributeNames>>> = {
  okta: {
    email: ['email', 'Email'],
    name: ['displayName', 'name'],
    givenName: ['firstName', 'givenName'],
    familyName: ['lastName', 'familyName'],
    groups: ['groups'],
  },
  entra: {
    email: [`${CLAIMS}/emailaddress`, `${CLAIMS}/name`],
    name: ['http://schemas.microsoft.com/identity/claims/displayname'],
    givenName: [`${CLAIMS}/givenname`],
    familyName: [`${CLAIMS}/surname`],
    groups: [`${MS_CLAIMS}/groups`, `${MS_CLAIMS}/role`],
  },
  google: {
    email: ['email'],
    name: ['name', 'displayName'],
    givenName: ['firstName', 'first_name'],
    familyName: ['lastName', 'last_name'],
    groups: ['groups'],
  },
  adfs: {
    email: [`${CLAIMS}/emailaddress`, `${CLAIMS}/upn`],
    name: [`${CLAIMS}/name`, 'http://schemas.microsoft.com/identity/claims/displayname'],
    givenName: [`${CLAIMS}/givenname`],
    familyName: [`${CLAIMS}/surname`],
    groups: ['http://schemas.xmlsoap.org/claims/Group', `${MS_CLAIMS}/role`],
  },
  // What an unconfigured connection understands: the plain names, the eduPerson/X.500 OIDs (SAML V2.0
  // X.500/LDAP Attribute Profile) and the Microsoft claim URIs.
  generic: {
    email: ['email', 'mail', 'emailAddress', 'urn:oid:0.9.2342.19200300.100.1.3', `${CLAIMS}/emailaddress`],
    name: ['name', 'displayName', 'urn:oid:2.16.840.1.113730.3.1.241', 'http://schemas.microsoft.com/identity/claims/displayname'],
    givenName: ['givenName', 'firstName', 'urn:oid:2.5.4.42', `${CLAIMS}/givenname`],
    familyName: ['sn', 'surname', 'lastName', 'urn:oid:2.5.4.4', `${CLAIMS}/surname`],
    groups: ['groups', 'memberOf', 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1', `${MS_CLAIMS}/groups`, 'http://schemas.xmlsoap.org/claims/Group'],
  },
};
