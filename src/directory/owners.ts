import { ForbiddenError } from '../common/errors.ts';
import { holdsOwnerRole } from './access.ts';
import type { DirectoryStores } from './context.ts';
import type { Membership } from './model.ts';

/*
 * - an organisation always keeps an active member bound directly to the owner role: the last one cannot be
 *   removed, suspended or demoted (owner options, billing and API keys would be out of everyone's reach)
 * - only direct bindings count: an owner role carried by a group can disappear with the group, so it never
 *   stands in for the last owner
 * - without multi-document transactions two concurrent demotions of the last two owners can both pass the
 *   check: each change looks again once written (keepAnOwner), and one that finds no owner left undoes itself
 */

export function isActiveOwner(membership: Membership): boolean {
  return membership.status === 'active' && holdsOwnerRole(membership.roles);
}

type OwnerStores = Pick<DirectoryStores, 'memberships'>;

async function hasActiveOwner(stores: OwnerStores, orgId: string, except?: string): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await stores.memberships.list({ where: { orgId, status: 'active' }, limit: 500, ...(cursor ? { cursor } : {}) });
    if (page.items.some((m) => m.id !== except && isActiveOwner(m))) return true;
    cursor = page.next;
  } while (cursor);
  return false;
}

const lastOwner = () => new ForbiddenError('last_owner', 'The last owner of an organization cannot be removed, suspended or demoted; make someone else owner first');

/** Passes when `membership` is not an active owner, or another active owner remains. @throws ForbiddenError('last_owner') */
export async function assertNotLastOwner(stores: OwnerStores, membership: Membership): Promise<void> {
  if (isActiveOwner(membership) && !(await hasActiveOwner(stores, membership.orgId, membership.id))) throw lastOwner();
}

/**
 * Once a change that took an owner out (`before`, as it was) is written: an active owner must remain, or `undo`
 * puts the change back. Two owners demoting each other at once both pass assertNotLastOwner; at least one of
 * them finds no owner here and undoes, so the organisation always keeps one.
 * @throws ForbiddenError('last_owner') after undoing
 */
export async function keepAnOwner(stores: OwnerStores, before: Membership, undo: () => Promise<unknown>): Promise<void> {
  if (!isActiveOwner(before) || (await hasActiveOwner(stores, before.orgId))) return;
  await undo();
  throw lastOwner();
}
