import { z } from 'zod';
import { ValidationError } from '../../common/errors.ts';
import { issueProblems } from '../../common/problems.ts';
import { ATTRIBUTE_PRESET_NAMES, ATTRIBUTE_PRESETS, type AttributeNames } from './attribute-presets.ts';
import { NAME_ID_FORMATS } from './settings.ts';

/*
 * The attribute part of a SAML connection's `mapping`: a preset plus per-field overrides. Other keys of the
 * mapping (group and role rules) belong to the directory and pass through untouched.
 */
const attributeNames = z.union([z.string().trim().min(1).max(512), z.array(z.string().trim().min(1).max(512)).min(1).max(10)])
  .transform((value) => (Array.isArray(value) ? value : [value]));

export const samlMappingSchema = z.looseObject({
  preset: z.enum(ATTRIBUTE_PRESET_NAMES).default('generic')
    .describe('Attribute names of a known IdP: generic, okta, entra, google or adfs.'),
  attributes: z.strictObject({
    email: attributeNames.optional(),
    name: attributeNames.optional(),
    givenName: attributeNames.optional(),
    familyName: attributeNames.optional(),
    groups: attributeNames.optional(),
  }).default({}).describe('Attribute names that replace the preset\'s, per field.'),
});

export type SamlMapping = z.output<typeof samlMappingSchema>;

/** @throws ValidationError naming each problem by its dotted path under `mapping`. */
export function parseSamlMapping(input: unknown): SamlMapping {
  const result = samlMappingSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ValidationError('Invalid SAML attribute mapping', result.error.issues.flatMap((issue) => issueProblems(issue, ['mapping'])));
}

/** The candidate attribute names of every field: an override replaces the preset's list for that field. */
export function resolveAttributeNames(mapping: SamlMapping): AttributeNames {
  const preset = ATTRIBUTE_PRESETS[mapping.preset];
  const own = mapping.attributes;
  return {
    email: own.email ?? [...preset.email],
    name: own.name ?? [...preset.name],
    givenName: own.givenName ?? [...preset.givenName],
    familyName: own.familyName ?? [...preset.familyName],
    groups: own.groups ?? [...preset.groups],
  };
}

export interface NameId {
  value: string;
  format?: string;
}

export interface MappedIdentity {
  subject: string;
  subjectFormat?: string;
  email?: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  groups: string[];
  attributes: Record<string, string[]>;
}

/**
 * The identity fields an assertion states. The subject is always the NameID: attributes are what the IdP
 * says about the person, the NameID is who it says they are (SAML Core 2.2.2). An email-format NameID stands
 * in for a missing email attribute.
 */
export function mapAssertionToIdentity(attributes: Record<string, string[]>, nameId: NameId, mapping: SamlMapping): MappedIdentity {
  const names = resolveAttributeNames(mapping);
  const first = (candidates: string[]) => {
    for (const name of candidates) {
      const value = attributes[name]?.find((entry) => entry.trim() !== '');
      if (value !== undefined) return value.trim();
    }
    return undefined;
  };
  const identity: MappedIdentity = { subject: nameId.value, groups: [], attributes };
  if (nameId.format) identity.subjectFormat = nameId.format;
  const email = first(names.email) ?? (nameId.format === NAME_ID_FORMATS.emailAddress ? nameId.value : undefined);
  if (email) identity.email = email;
  const givenName = first(names.givenName);
  const familyName = first(names.familyName);
  if (givenName) identity.givenName = givenName;
  if (familyName) identity.familyName = familyName;
  const name = first(names.name) ?? ([givenName, familyName].filter(Boolean).join(' ') || undefined);
  if (name) identity.name = name;
  const groups = new Set<string>();
  for (const attribute of names.groups) {
    for (const value of attributes[attribute] ?? []) if (value.trim()) groups.add(value.trim());
  }
  identity.groups = [...groups];
  return identity;
}
