import { ForbiddenError } from '../common/errors.ts';
import { recordAudit } from './audit.ts';
import type { DirectoryContext } from './context.ts';
import type { RequestContext } from './invitation-acceptance.ts';

/*
 * A user's own choice of email one-time passwords (the seeds: members may turn it on for themselves; when an
 * admin enforces it for the organisation, the choice is not theirs to make):
 * - the opt-in is account-wide and applies in every organisation that leaves MFA to its members
 * - organisations enforcing MFA ask for the code whatever the opt-in says; when every organisation of the user
 *   enforces it, turning the opt-in off is refused (`mfa_enforced`): it would change nothing and mislead
 * - each change is audited in each of the user's organisations
 */

export interface MfaStatus {
  optIn: boolean;
  /** Names of the user's organisations that require MFA of everyone. */
  enforcedBy: string[];
  /** Every organisation of the user enforces it: the opt-in is moot and cannot be turned off. */
  enforcedEverywhere: boolean;
}

export interface MfaPreference {
  status(userId: string): Promise<MfaStatus>;
  /** @throws ForbiddenError('mfa_enforced') when turning it off while every organisation enforces it */
  set(userId: string, enabled: boolean, context?: RequestContext): Promise<MfaStatus>;
}

export function createMfaPreference(ctx: DirectoryContext): MfaPreference {
  const { stores } = ctx;

  async function organizationsOf(userId: string) {
    const memberships = (await stores.memberships.list({ where: { userId, status: 'active' }, limit: 500 })).items;
    const orgs = await Promise.all(memberships.map((m) => stores.organizations.find(m.orgId)));
    return orgs.filter((org) => org !== undefined);
  }

  async function status(userId: string): Promise<MfaStatus> {
    const [user, orgs] = await Promise.all([stores.users.get(userId), organizationsOf(userId)]);
    const enforcing = orgs.filter((org) => org.mfaPolicy === 'required');
    return {
      optIn: user.mfaOptIn,
      enforcedBy: enforcing.map((org) => org.name).sort(),
      enforcedEverywhere: orgs.length > 0 && enforcing.length === orgs.length,
    };
  }

  return {
    status,
    async set(userId, enabled, context = {}) {
      const before = await status(userId);
      if (!enabled && before.enforcedEverywhere) {
        throw new ForbiddenError('mfa_enforced', 'Your organization requires sign-in codes; they cannot be turned off');
      }
      if (before.optIn === enabled) return before;
      await stores.users.update(userId, { mfaOptIn: enabled });
      const action = enabled ? 'account.mfa_enabled' : 'account.mfa_disabled';
      for (const org of await organizationsOf(userId)) {
        await recordAudit(stores, { actor: `user:${userId}`, orgId: org.id, ...context }, action, { target: `user:${userId}` });
      }
      return { ...before, optIn: enabled };
    },
  };
}
