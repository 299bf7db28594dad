import { ForbiddenError } from '../common/errors.ts';
import { holdsOwnerRole } from './access.ts';
import type { DirectoryStores } from './context.ts';
import type { Membership } from './model.ts';

/*
 * - an organisation always keeps an active member bound directly to the owner role: the last one cannot be
 *   removed, suspended or demoted (owner options, billing and API keys would be out of everyone's reach)
 * - only direct bindings count: an owner role carried by a group can disappear with the group, so it never
 *   stands in for the last owner
 * - without multi-document transactions two concurrent demotions of the last two owners can both pass; the
 *   admin console serialises such edits per organisation in practice, and the CLI can restore an owner
 */

export function isActiveOwner(membership: Membership): boolean {
  return membership.status === 'active' && holdsOwnerRole(membership.roles);
}

/** Passes when `membership` is not an active owner, or another active owner remains. @throws ForbiddenError('last_owner') */
export async function assertNotLastOwner(stores: Pick<DirectoryStores, 'memberships'>, membership: Membership): Promise<void> {
  if (!isActiveOwner(membership)) return;
  let cursor: string | undefined;
  do {
    const page = await stores.memberships.list({ where: { orgId: membership.orgId, status: 'active' }, limit: 500, ...(cursor ? { cursor } : {}) });
    if (page.items.some((m) => m.id !== membership.id && isActiveOwner(m))) return;
    cursor = page.next;
  } while (cursor);
  throw new ForbiddenError('last_owner', 'The last owner of an organization cannot be removed, suspended or demoted; make someone else owner first');
}
