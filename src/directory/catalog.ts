import { z } from 'zod';

/*
 * The roles & permissions catalog: what a role binding means. Pure data, validated by a zod schema so that an
 * operator can replace the default catalog in configuration; the cross-reference rules (unknown ids, cycles,
 * duplicates, scope types) are checked by `validateCatalog` in permissions.ts.
 *
 * - A permission is one capability (`sources:edit`). It may imply others (`assets:edit` implies
 *   `assets:browse`) and may be limited to resources of some types (`source`, `folder`, ...).
 * - A role is a set of permissions, possibly composed of other roles (`admin` = developer + analyst +
 *   accountant) and with explicit exclusions that win over everything it is composed of.
 */

const PERMISSION_ID = /^[a-z][a-z0-9-]*(?::[a-z][a-z0-9-]*)*$/;
const ROLE_ID = /^[a-z][a-z0-9-]*$/;
const SCOPE_TYPE = /^[a-z][a-z0-9-]*$/;

export const permissionIdSchema = z.string().regex(PERMISSION_ID, 'must be lower-case words separated by ":" (e.g. "assets:edit")')
  .describe('Stable permission id: lower-case words joined by ":", e.g. `sources:edit`. It appears in ID tokens.');
export const roleIdSchema = z.string().regex(ROLE_ID, 'must be lower-case letters, digits and "-" (e.g. "source-viewer")')
  .describe('Stable role id: lower-case letters, digits and "-", e.g. `source-viewer`. It appears in ID tokens.');
export const scopeTypeSchema = z.string().regex(SCOPE_TYPE, 'must be lower-case letters, digits and "-"')
  .describe('A kind of resource a grant can be limited to, e.g. `source`, `folder`, `video-collection`.');

export const permissionDefinitionSchema = z.strictObject({
  id: permissionIdSchema,
  label: z.string().min(1).describe('Short human name shown in the admin console.'),
  description: z.string().min(1).describe('What holding this permission allows.'),
  implies: z.array(permissionIdSchema).default([])
    .describe('Permissions that holding this one also grants (transitively). Cycles are rejected.'),
  scopeTypes: z.array(scopeTypeSchema).default([])
    .describe('Resource types a grant of this permission may be limited to; empty = only ever granted globally.'),
}).describe('One capability.');

export const roleDefinitionSchema = z.strictObject({
  id: roleIdSchema,
  label: z.string().min(1).describe('Short human name shown in the admin console.'),
  description: z.string().min(1).describe('Who the role is for and what it allows.'),
  allPermissions: z.boolean().default(false)
    .describe('Grants every permission of the catalog, including ones added later (the owner).'),
  permissions: z.array(permissionIdSchema).default([]).describe('Permissions granted directly.'),
  includes: z.array(roleIdSchema).default([])
    .describe('Roles this one is composed of: their expanded permissions are granted too. Cycles are rejected.'),
  excludes: z.array(permissionIdSchema).default([])
    .describe('Permissions this role never grants, whatever it is composed of. Excluding a permission also removes every permission that implies it.'),
  scopeTypes: z.array(scopeTypeSchema).default([])
    .describe('Resource types a binding of this role may be limited to; every permission of the role must accept each of them. Empty = global bindings only.'),
  scopeRequired: z.boolean().default(false)
    .describe('Bindings must be limited to resources (the "source-specific" roles); a global binding is refused.'),
}).describe('A named set of permissions that can be bound to a member or a group.');

export const catalogSchema = z.strictObject({
  permissions: z.array(permissionDefinitionSchema).describe('Every permission, each id once.'),
  roles: z.array(roleDefinitionSchema).describe('Every role, each id once.'),
}).describe('The roles & permissions catalog.');

export type PermissionDefinition = z.output<typeof permissionDefinitionSchema>;
export type RoleDefinition = z.output<typeof roleDefinitionSchema>;
/** A catalog with every default filled in. Check it with `validateCatalog` before use. */
export type Catalog = z.output<typeof catalogSchema>;
/** A catalog as written by hand: defaulted fields may be left out. */
export type CatalogInput = z.input<typeof catalogSchema>;
