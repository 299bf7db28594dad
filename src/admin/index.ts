import type Router from '@koa/router';
import type { RateLimits } from '../abuse/index.ts';
import type { AccountMail } from '../account/mail.ts';
import type { Catalog } from '../directory/catalog.ts';
import type { Directory } from '../directory/directory.ts';
import type { OrganizationSettings } from '../directory/organization-settings.ts';
import type { AdminAuthDeps } from './authenticate.ts';
import { createAdminAuthenticator } from './authenticate.ts';
import { apiKeyOperations } from './operations/api-keys.ts';
import { auditOperations } from './operations/audit.ts';
import { catalogOperations } from './operations/catalog.ts';
import { connectionOperations, type ConnectionOperationDeps } from './operations/connections.ts';
import { domainOperations } from './operations/domains.ts';
import type { DomainVerification } from '../directory/domain-verification.ts';
import { groupOperations } from './operations/groups.ts';
import { invitationOperations } from './operations/invitations.ts';
import { meOperations } from './operations/me.ts';
import { memberOperations } from './operations/members.ts';
import { organizationOperations } from './operations/organization.ts';
import type { Operation } from './route.ts';
import { createAdminRouter } from './router.ts';

export interface AdminApiDeps {
  directory: Directory;
  settings: OrganizationSettings;
  catalog: Catalog;
  mail: Pick<AccountMail, 'sendInvitation'>;
  rateLimits: Pick<RateLimits, 'consume'>;
  connections: ConnectionOperationDeps;
  domains: DomainVerification;
  auth: Omit<AdminAuthDeps, 'authenticateApiKey' | 'buildActor'>;
  serverUrl: string;
  version: string;
}

/** Every operation of /admin/v1, in the order the OpenAPI document lists them. */
export function adminOperations(deps: Omit<AdminApiDeps, 'auth' | 'serverUrl' | 'version'>): Operation[] {
  const { directory } = deps;
  return [
    ...meOperations(directory.account),
    ...organizationOperations(deps.settings),
    ...domainOperations(deps.domains),
    ...memberOperations(directory.members),
    ...invitationOperations({ invitations: directory.invitations, mail: deps.mail, rateLimits: deps.rateLimits }),
    ...groupOperations(directory.groups),
    ...catalogOperations(deps.catalog),
    ...connectionOperations(deps.connections),
    ...apiKeyOperations(directory.apiKeys),
    ...auditOperations(directory.audit),
  ];
}

export function createAdminApi(deps: AdminApiDeps): Router {
  const authenticate = createAdminAuthenticator({
    ...deps.auth,
    authenticateApiKey: (presented) => deps.directory.apiKeys.authenticate(presented),
    buildActor: (input) => deps.directory.access.buildActor(input),
  });
  return createAdminRouter({ operations: adminOperations(deps), authenticate, serverUrl: deps.serverUrl, version: deps.version });
}
