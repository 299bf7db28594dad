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
