import { z } from 'zod';

/* Shapes shared by several admin operations' requests and responses. */

export const id = z.string().min(1).max(64).regex(/^[0-9a-z-]+$/i, 'must be an id');

export const roleBinding = z.strictObject({
  role: z.string().min(1).max(64).describe('Role id from the roles & permissions catalog.'),
  scope: z.strictObject({
    type: z.string().min(1).max(64).describe('Resource type, e.g. `source`.'),
    ids: z.array(z.string().min(1).max(200)).min(1).max(200).describe('Resource ids.'),
  }).optional().describe('Limits the role to these resources.'),
}).describe('A role, optionally limited to some resources.');

export const loginMethod = z.enum(['password', 'google', 'saml']);

export const pageQuery = z.strictObject({
  cursor: z.string().max(200).optional().describe('`next` of the previous page.'),
  limit: z.coerce.number().int().min(1).max(200).optional().describe('Page size, 1-200 (default 50).'),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next: z.string().optional().describe('Cursor of the next page; absent on the last page.'),
  });
}

export const organizationView = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  domains: z.array(z.object({ domain: z.string(), verified: z.boolean() })),
  loginPolicy: z.object({
    methods: z.array(loginMethod),
    googleHostedDomains: z.array(z.string()),
    ownerPasswordFallback: z.boolean(),
  }),
  mfaPolicy: z.enum(['required', 'optional']),
  limits: z.object({ maxUsers: z.number().int().nullable(), maxGroups: z.number().int() }),
  usage: z.object({ users: z.number().int(), groups: z.number().int() }),
}).describe('The organisation\'s settings, limits and what is in use.');

const loginMethods = z.array(loginMethod);
const timestamp = z.string().describe('ISO 8601 instant.');

export const memberView = z.object({
  userId: z.string(),
  membershipId: z.string(),
  email: z.string(),
  name: z.string(),
  emailVerified: z.boolean(),
  hasPassword: z.boolean(),
  accountStatus: z.enum(['active', 'disabled']).describe('The account itself; `disabled` accounts sign in nowhere.'),
  status: z.enum(['invited', 'active', 'suspended']).describe('The membership in this organisation.'),
  roles: z.array(roleBinding),
  groupIds: z.array(z.string()),
  loginMethods: loginMethods.describe('Login types of this member within the organisation\'s policy; empty = all it allows.'),
  source: z.enum(['invite', 'jit', 'scim', 'bootstrap']),
  lastLoginAt: timestamp.nullable(),
  joinedAt: timestamp,
  updatedAt: timestamp,
}).describe('A member: the membership joined with its account, without secrets.');

export const invitationView = z.object({
  id: z.string(),
  orgId: z.string(),
  email: z.string(),
  roles: z.array(roleBinding),
  groupIds: z.array(z.string()),
  loginMethods: loginMethods,
  invitedBy: z.string().describe('`user:<id>`, `apikey:<id>` or `system`.'),
  expiresAt: timestamp,
  expired: z.boolean().describe('Pending but past its expiry: the link no longer works and the seat is free.'),
  status: z.enum(['pending', 'accepted', 'revoked']),
  acceptedAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
}).describe('An invitation; the link\'s secret is only ever in the email.');

export const groupView = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  description: z.string(),
  roles: z.array(roleBinding),
  memberCount: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
}).describe('A group; its role bindings flow into its members\' permissions.');

export const apiKeyView = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  prefix: z.string().describe('Public part of the key, shown to tell keys apart.'),
  roles: z.array(roleBinding),
  createdBy: z.string(),
  lastUsedAt: timestamp.nullable().describe('Recorded at most once a minute.'),
  revokedAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
}).describe('An API key, without its secret.');

export const auditEventView = z.object({
  id: z.string(),
  orgId: z.string().nullable(),
  actor: z.string().describe('`user:<id>`, `apikey:<id>`, `system` or `anonymous`.'),
  action: z.string().describe('Dotted verb, e.g. `member.suspended`, `signin.failed`.'),
  target: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).describe('Non-secret context: reason codes, changed fields.'),
  createdAt: timestamp,
  updatedAt: timestamp,
}).describe('One audit event.');

export const userIdParams = z.strictObject({ userId: id.describe('The member\'s user id.') });
export const groupIdParams = z.strictObject({ groupId: id.describe('Group id.') });
export const invitationIdParams = z.strictObject({ invitationId: id.describe('Invitation id.') });
export const apiKeyIdParams = z.strictObject({ apiKeyId: id.describe('API key id.') });
