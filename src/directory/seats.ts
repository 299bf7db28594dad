import { LimitExceededError, NotFoundError } from '../common/errors.ts';
import type { DirectoryStores } from './context.ts';
import type { Invitation } from './model.ts';

/*
 * The plan's user cap (organization.limits.maxUsers; null = unlimited). A seat is taken by every membership,
 * whatever its status (invited, active, suspended), and by every pending invitation that has not expired: an
 * invitation reserves the seat its acceptance will use, so accepting never exceeds the cap. An expired
 * invitation holds nothing (resending it asks for a seat again).
 *
 * Every path that adds people calls assertSeatAvailable: invitations, their acceptance, and later bootstrap,
 * just-in-time provisioning and SCIM.
 */

export type SeatStores = Pick<DirectoryStores, 'organizations' | 'memberships' | 'invitations'>;

export interface SeatUsage {
  used: number;
  /** null = unlimited. */
  max: number | null;
}

export async function seatUsage(stores: SeatStores, orgId: string, now: () => Date = () => new Date()): Promise<SeatUsage> {
  const org = await stores.organizations.find(orgId);
  if (!org) throw new NotFoundError('organization');
  const [members, invitations] = await Promise.all([stores.memberships.count({ orgId }), pendingInvitations(stores, orgId, now)]);
  return { used: members + invitations, max: org.limits.maxUsers };
}

/** Invitations that hold a seat: pending and not expired. */
function pendingInvitations(stores: SeatStores, orgId: string, now: () => Date): Promise<number> {
  return stores.invitations.count({ orgId, status: 'pending', expiresAt: { $gte: now().toISOString() } });
}

/**
 * After a seat was taken past assertSeatAvailable (an invitation sent or revived): the error to withdraw with when
 * racing takers have pushed the organisation over its cap, else undefined.
 */
export async function overCap(stores: SeatStores, orgId: string, now: () => Date = () => new Date()): Promise<LimitExceededError | undefined> {
  const { used, max } = await seatUsage(stores, orgId, now);
  return max !== null && used > max ? userLimitReached(max) : undefined;
}

export interface SeatOptions {
  now?: () => Date;
  /** The seat is for this invitation's acceptance: a pending, unexpired invitation already holds it. */
  forInvitation?: Invitation;
}

/** @throws LimitExceededError('user_limit_reached') when one more member would exceed the cap */
export async function assertSeatAvailable(stores: SeatStores, orgId: string, options: SeatOptions = {}): Promise<void> {
  const now = options.now ?? (() => new Date());
  const { used, max } = await seatUsage(stores, orgId, now);
  if (max === null) return;
  const held = options.forInvitation?.status === 'pending' && options.forInvitation.expiresAt >= now().toISOString() ? 1 : 0;
  if (used - held + 1 > max) throw userLimitReached(max);
}

/**
 * After a just-in-time membership was created past assertSeatAvailable: whether it keeps its seat when several
 * raced for the last ones. Every other membership (invited, bootstrapped: their own paths checked a seat) and
 * every pending invitation holds one, and so do the just-in-time memberships created first (id order); a later
 * one must withdraw.
 */
export async function keepsSeat(stores: SeatStores, orgId: string, membershipId: string, now: () => Date = () => new Date()): Promise<boolean> {
  const org = await stores.organizations.find(orgId);
  if (!org) throw new NotFoundError('organization');
  if (org.limits.maxUsers === null) return true;
  const [jitBefore, others, invited] = await Promise.all([
    stores.memberships.count({ orgId, source: 'jit', id: { $lt: membershipId } }),
    stores.memberships.count({ orgId, source: { $in: ['invite', 'scim', 'bootstrap'] } }),
    pendingInvitations(stores, orgId, now),
  ]);
  return jitBefore + others + invited + 1 <= org.limits.maxUsers;
}

export function userLimitReached(max: number): LimitExceededError {
  return new LimitExceededError('user_limit_reached', `This organization has reached its limit of ${max} users`, max);
}
