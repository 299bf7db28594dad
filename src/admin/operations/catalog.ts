import { z } from 'zod';
import type { Catalog } from '../../directory/catalog.ts';
import { expandRole } from '../../directory/permissions.ts';
import { operation, type Operation } from '../route.ts';

const catalogView = z.object({
  permissions: z.array(z.object({
    id: z.string(), label: z.string(), description: z.string(), implies: z.array(z.string()), scopeTypes: z.array(z.string()),
  })),
  roles: z.array(z.object({
    id: z.string(), label: z.string(), description: z.string(),
    permissions: z.array(z.string()).describe('Effective permissions of the role, after composition, implications and exclusions.'),
    scopeTypes: z.array(z.string()).describe('Resource types the role may be limited to.'),
    scopeRequired: z.boolean().describe('The role is only ever granted on specific resources.'),
  })),
}).describe('The roles and permissions that role bindings may name.');

/* The catalog: what roles exist and what they grant, for the console's pickers and for integrators. */
export function catalogOperations(catalog: Catalog): Operation[] {
  const view = {
    permissions: catalog.permissions.map(({ id, label, description, implies, scopeTypes }) => ({ id, label, description, implies, scopeTypes })),
    roles: catalog.roles.map((role) => ({
      id: role.id, label: role.label, description: role.description,
      permissions: expandRole(catalog, role.id),
      scopeTypes: role.scopeTypes,
      scopeRequired: role.scopeRequired,
    })),
  };
  return [
    operation({
      method: 'get', path: '/roles', operationId: 'getCatalog', tag: 'Roles',
      summary: 'The roles and permissions of this deployment.',
      response: catalogView,
      handle: async () => view,
    }),
  ];
}
