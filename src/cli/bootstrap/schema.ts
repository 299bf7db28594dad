import { z } from 'zod';
import { roleIdSchema, scopeTypeSchema } from '../../directory/catalog.ts';
import { LOGIN_METHODS } from '../../directory/model.ts';
import { issueProblems, type Problem } from '../../common/problems.ts';

/*
 * The declarative bootstrap file: organisations, users, groups, memberships, clients and connections that an
 * import creates or brings up to date, matched by natural key. Every object is strict (a typo is an error,
 * not an ignored key). A field left out keeps the stored value, or takes the default named in its description
 * when the object is created; a list that is given replaces the stored list.
 *
 * No transforms here, so that the JSON Schema generated from it (config/bootstrap.schema.json, for editors)
 * describes exactly what the file may contain.
 */

const slug = z.string().max(63).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters and digits separated by single "-"');
const domainName = z.string().max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/, 'must be a lower-case DNS name');
const groupName = z.string().min(1).max(64)
  .regex(/^(?=.*[\p{L}\p{N}])[\p{L}\p{N} ]+$/u, 'may contain only letters, digits and spaces');
const redirectUri = z.string().refine((uri) => URL.canParse(uri) && !uri.includes('#'), 'must be an absolute URI without a fragment (RFC 6749 section 3.1.2)');
const argon2idHash = z.string()
  .regex(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/, 'must be an argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)');
const loginMethod = z.enum(LOGIN_METHODS as [typeof LOGIN_METHODS[number], ...typeof LOGIN_METHODS[number][]]);

export const roleBindingSchema = z.union([
  roleIdSchema.describe('A role bound on everything, by id (shorthand for `{ role: <id> }`).'),
  z.strictObject({
    role: roleIdSchema.describe('Role id from the roles & permissions catalog.'),
    scope: z.strictObject({
      type: scopeTypeSchema.describe('Kind of resource the role is limited to, e.g. `source`, `folder`, `video-collection`.'),
      ids: z.array(z.string().min(1).describe('Resource id.')).min(1).describe('The resources the role applies to.'),
    }).optional().describe('Limits the role to some resources (source-specific roles). Absent = everywhere.'),
  }).describe('A role, optionally limited to some resources.'),
]).describe('A role binding: a role id, or `{ role, scope }` to limit it to some resources.');

const roleBindings = z.array(roleBindingSchema);

export const organizationEntrySchema = z.strictObject({
  slug: slug.describe('Natural key. URL-safe handle, unique, used in `organization` request parameters and the `org` claim.'),
  name: z.string().min(1).max(200).describe('Display name.'),
  domains: z.array(z.strictObject({
    domain: domainName.describe('Email domain of the organisation\'s members.'),
    verified: z.boolean().optional().describe('Whether the domain is verified (routes users of that domain to this organisation). Default: false.'),
  }).describe('An email domain.')).optional().describe('Email domains. Default when created: none.'),
  loginPolicy: z.strictObject({
    methods: z.array(loginMethod).min(1).optional().describe('Allowed login methods (`password`, `google`, `saml`). Default when created: [password].'),
    googleHostedDomains: z.array(domainName).optional()
      .describe('With Google allowed: only accounts of these Google Workspace domains (`hd`); empty = any verified Google account. Default when created: [].'),
    ownerPasswordFallback: z.boolean().optional()
      .describe('Owners keep password sign-in while the organisation enforces SSO (break-glass). Default when created: false.'),
  }).optional().describe('How members may sign in. Fields left out keep their stored values.'),
  mfaPolicy: z.enum(['required', 'optional']).optional()
    .describe('`required`: every member completes email OTP; `optional`: members choose. Default when created: optional.'),
  limits: z.strictObject({
    maxUsers: z.number().int().min(1).nullable().optional()
      .describe('Plan cap on members (invited, active and suspended count); null = unlimited. Default when created: 5.'),
    maxGroups: z.number().int().min(0).optional().describe('Plan cap on groups. Default when created: 5.'),
  }).optional().describe('Plan limits. Fields left out keep their stored values.'),
}).describe('An organisation (a customer account).');

export const userEntrySchema = z.strictObject({
  email: z.email().describe('Natural key, compared case-insensitively. The user\'s sign-in email.'),
  name: z.string().min(1).max(200).describe('Full name.'),
  password: z.string().min(8).max(1024).optional().describe('Plain password, hashed with argon2id on import. For development and demos only: prefer passwordHash.'),
  passwordHash: argon2idHash.optional()
    .describe('argon2id PHC string of the password. Give either this or password; neither = no password (sign-in through an IdP).'),
  emailVerified: z.boolean().optional().describe('Whether the email address is verified. Default when created: false.'),
  mfaOptIn: z.boolean().optional().describe('The user asks for email OTP even where the organisation does not require it. Default when created: false.'),
  status: z.enum(['active', 'disabled']).optional().describe('`disabled` users cannot sign in. Default when created: active.'),
}).describe('A person (global identity; may belong to several organisations).');

export const groupEntrySchema = z.strictObject({
  org: slug.describe('Slug of the organisation (defined in this file or already stored).'),
  name: groupName.describe('Natural key within the organisation, compared case-insensitively. Letters, digits and spaces only.'),
  description: z.string().max(500).optional().describe('What the group is for. Default when created: empty.'),
  roles: roleBindings.optional().describe('Roles every member of the group holds. Default when created: none.'),
}).describe('A group of an organisation\'s members, carrying roles.');

export const membershipEntrySchema = z.strictObject({
  user: z.email().describe('Email of the user (defined in this file or already stored).'),
  org: slug.describe('Slug of the organisation (defined in this file or already stored).'),
  roles: roleBindings.optional().describe('Roles of the member in the organisation. Default when created: none.'),
  groups: z.array(groupName).optional()
    .describe('Names of the organisation\'s groups the member belongs to (defined in this file or already stored). Default when created: none.'),
  status: z.enum(['invited', 'active', 'suspended']).optional().describe('Membership status. Default when created: active.'),
  loginMethods: z.array(loginMethod).optional()
    .describe('Login methods of this member, within the organisation\'s policy; empty = whatever the policy allows. Default when created: [].'),
}).describe('A user\'s membership of an organisation; natural key: user + org.');

export const clientEntrySchema = z.strictObject({
  clientId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_" or "-"')
    .describe('Natural key: the OAuth client_id.'),
  name: z.string().min(1).max(200).describe('Name shown on consent and sign-in pages.'),
  redirectUris: z.array(redirectUri).describe('Exact redirect URIs allowed in authorization requests (required for the authorization_code grant).'),
  postLogoutRedirectUris: z.array(redirectUri).optional().describe('Where the app may ask to return after logout. Default when created: [].'),
  grantTypes: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).min(1).optional()
    .describe('OAuth grant types the client may use. Default when created: [authorization_code].'),
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).optional()
    .describe('How the client authenticates at the token endpoint; `none` = public client (PKCE). Default when created: client_secret_basic with a clientSecret, none without.'),
  clientSecret: z.string().min(32).max(512).optional()
    .describe('Plain client secret (at least 32 random characters), stored only as a SHA-256 digest. Required for client_secret_* methods when the client is created; absent = keep the stored one.'),
  firstParty: z.boolean().optional().describe('First-party apps skip the consent screen. Default when created: false.'),
  allowedOrganizations: z.array(slug).optional().describe('Slugs of the organisations whose members may use the client; empty = all. Default when created: [].'),
  idTokenSignedResponseAlg: z.enum(['ES256', 'RS256']).optional().describe('ID token signing algorithm. Default when created: RS256 (the OpenID Connect default).'),
}).describe('A relying app (OIDC client).');

export const connectionEntrySchema = z.strictObject({
  org: slug.describe('Slug of the organisation (defined in this file or already stored).'),
  kind: z.enum(['saml', 'google']).describe('Upstream protocol.'),
  name: z.string().min(1).max(200).describe('Natural key within the organisation, compared case-insensitively.'),
  enabled: z.boolean().optional().describe('Whether members may sign in through it. Default when created: false.'),
  settings: z.record(z.string(), z.unknown()).optional()
    .describe('Protocol settings, validated by the connector kind. Given = replaces the stored settings. Default when created: {}.'),
  mapping: z.record(z.string(), z.unknown()).optional()
    .describe('Attribute names and group/role mapping rules. Given = replaces the stored mapping. Default when created: {}.'),
  jit: z.strictObject({
    enabled: z.boolean().optional().describe('Provision memberships for users the IdP vouches for. Default when created: false.'),
    defaultRoles: z.array(roleIdSchema).optional().describe('Roles given to just-in-time provisioned members. Default when created: [].'),
  }).optional().describe('Just-in-time provisioning. Fields left out keep their stored values.'),
}).describe('An organisation\'s upstream identity provider.');

export const bootstrapSchema = z.strictObject({
  organizations: z.array(organizationEntrySchema).optional().describe('Organisations, matched by slug.'),
  users: z.array(userEntrySchema).optional().describe('Users, matched by email.'),
  groups: z.array(groupEntrySchema).optional().describe('Groups, matched by organisation and name.'),
  memberships: z.array(membershipEntrySchema).optional().describe('Memberships, matched by user and organisation.'),
  clients: z.array(clientEntrySchema).optional().describe('OIDC clients, matched by clientId.'),
  connections: z.array(connectionEntrySchema).optional().describe('Identity provider connections, matched by organisation and name.'),
}).describe('Bridgekeeper bootstrap file: objects created or updated at import, never deleted.');

export type BootstrapDocument = z.output<typeof bootstrapSchema>;
export type RoleBindingEntry = z.output<typeof roleBindingSchema>;

/** The JSON Schema of the bootstrap file, as written to config/bootstrap.schema.json. */
export function bootstrapJsonSchemaText(): string {
  const schema = z.toJSONSchema(bootstrapSchema, { io: 'input', unrepresentable: 'throw' });
  return `${JSON.stringify({ ...schema, title: 'Bridgekeeper bootstrap file' }, null, 2)}\n`;
}

/** Checks the shape of a document; every problem is named by path (`memberships[2].roles[0].role`). */
export function parseBootstrapDocument(document: unknown): { success: true; data: BootstrapDocument } | { success: false; problems: Problem[] } {
  const parsed = bootstrapSchema.safeParse(document);
  return parsed.success ? { success: true, data: parsed.data } : { success: false, problems: parsed.error.issues.flatMap(documentProblems) };
}

function documentProblems(issue: z.core.$ZodIssue): Problem[] {
  if (issue.code === 'invalid_union') {
    // A role binding is a string or an object: report the problems of the branch matching what was written.
    const branch = issue.errors.find((issues) => issues.every((i) => i.code !== 'invalid_type' || i.path.length > 0));
    if (branch) return branch.flatMap((inner) => documentProblems({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  return issueProblems(issue);
}
