import { organizationChangeSchema, type OrganizationSettings } from '../../directory/organization-settings.ts';
import { operation, type Operation } from '../route.ts';
import { organizationView } from '../schemas.ts';

export function organizationOperations(settings: OrganizationSettings): Operation[] {
  return [
    operation({
      method: 'get', path: '/organization', operationId: 'getOrganization', tag: 'Organization',
      summary: 'The caller\'s organisation: settings, plan limits and their use.',
      response: organizationView,
      handle: ({ actor }) => settings.get(actor),
    }),
    operation({
      method: 'patch', path: '/organization', operationId: 'updateOrganization', tag: 'Organization',
      summary: 'Change the name, sign-in methods, MFA policy or email domains.',
      body: organizationChangeSchema,
      response: organizationView,
      handle: ({ actor, body }) => settings.update(actor, body),
    }),
  ];
}
