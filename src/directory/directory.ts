import type { Actor } from './actor.ts';
import { buildActor, systemActor, type ActorInput } from './access.ts';
import { createAccountService, type AccountService } from './account.ts';
import { createApiKeysService, type ApiKeysService } from './api-keys.ts';
import { createAuditService, type AuditService } from './audit.ts';
import { resolveContext, type DirectoryDeps } from './context.ts';
import { createFederatedProvisioning, type FederatedProvisioning } from './federated-provisioning.ts';
import { createGroupsService, type GroupsService } from './groups.ts';
import { createInvitationAcceptanceService, type InvitationAcceptanceService } from './invitation-acceptance.ts';
import { createInvitationsService, type InvitationsService } from './invitations.ts';
import { createMembersService, type MembersService } from './members.ts';
import { createMfaPreference, type MfaPreference } from './mfa-preference.ts';
import { assertSeatAvailable, seatUsage, type SeatUsage } from './seats.ts';

/*
 * The directory's services, for the admin API, the admin console, the invitation and password pages and the
 * sign-in journey: one object to wire in app.ts. Every administrative operation takes the Actor first and
 * checks its rules itself; the anonymous ones (invitation link, password reset) take only their input.
 */

export interface Directory {
  access: {
    /** The actor for this request, or undefined when it may not act in the organisation. */
    buildActor(input: ActorInput): Promise<Actor | undefined>;
    /** Acts with every role (CLI, bootstrap). */
    systemActor(orgId: string, context?: { requestId?: string }): Actor;
  };
  members: MembersService;
  invitations: InvitationsService & InvitationAcceptanceService;
  groups: GroupsService;
  apiKeys: ApiKeysService;
  account: AccountService;
  mfa: MfaPreference;
  /** Accounts and memberships for people an upstream IdP vouches for. */
  provisioning: FederatedProvisioning;
  audit: AuditService;
  seats: {
    /** @throws LimitExceededError('user_limit_reached') */
    assertAvailable(orgId: string): Promise<void>;
    usage(orgId: string): Promise<SeatUsage>;
  };
}

export function createDirectory(deps: DirectoryDeps): Directory {
  const ctx = resolveContext(deps);
  return {
    access: {
      buildActor: (input) => buildActor(ctx, input),
      systemActor: (orgId, context) => systemActor(ctx.catalog, orgId, context),
    },
    members: createMembersService(ctx),
    invitations: { ...createInvitationsService(ctx), ...createInvitationAcceptanceService(ctx) },
    groups: createGroupsService(ctx),
    apiKeys: createApiKeysService(ctx),
    account: createAccountService(ctx),
    mfa: createMfaPreference(ctx),
    provisioning: createFederatedProvisioning(ctx),
    audit: createAuditService(ctx),
    seats: {
      assertAvailable: (orgId) => assertSeatAvailable(ctx.stores, orgId, { now: ctx.now }),
      usage: (orgId) => seatUsage(ctx.stores, orgId, ctx.now),
    },
  };
}
