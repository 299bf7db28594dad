import type { Entity, ListOptions, Page, Repository } from '../common/entity.ts';
import { ConflictError, NotFoundError } from '../common/errors.ts';
import { newId } from '../common/ids.ts';
import type { Membership } from '../directory/model.ts';
import type { MembershipStore } from '../directory/ports.ts';
import type { CollectionSpec } from './collection.ts';

/** Which memberships a user has, by id: read by `_id`, where "memberships where userId = …" reads them all. */
export interface UserMemberships extends Entity {
  membershipIds: string[];
}

export const userMembershipsSpec: CollectionSpec<UserMemberships> = { name: 'user_memberships', noun: 'membership index', unique: {}, indexed: [] };

const FEW = 50;

/*
 * The memberships of one user without a query on a field, which FerretDB's SQLite handler answers by decoding
 * and filtering every document of the collection itself (every sign-in lists the user's memberships). Without multi-document transactions the
 * index is kept a superset of the truth, which is all a lookup needs (it reads the listed memberships and keeps
 * those that are the user's):
 * - a membership's id is added before the membership is created, and removed after it is deleted;
 * - a user without an index yet (data from before it existed) is listed the slow way once, and the result
 *   merged into the index.
 */
export function withMembershipIndex(memberships: MembershipStore, index: Repository<UserMemberships>): MembershipStore {
  async function add(userId: string, ids: readonly string[]): Promise<void> {
    const merge = (current: UserMemberships) => ({ membershipIds: [...new Set([...current.membershipIds, ...ids])] });
    for (;;) {
      try {
        await index.update(userId, merge);
        return;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
      try {
        await index.create({ id: userId, membershipIds: [...ids] });
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error; // created meanwhile: merge into it
      }
    }
  }

  async function remove(userId: string, id: string): Promise<void> {
    await index.update(userId, (current) => ({ membershipIds: current.membershipIds.filter((m) => m !== id) })).catch(() => undefined);
  }

  async function idsOf(userId: string): Promise<string[]> {
    const known = await index.find(userId);
    if (known) return known.membershipIds;
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await memberships.list({ where: { userId }, limit: 500, ...(cursor ? { cursor } : {}) });
      all.push(...page.items.map((m) => m.id));
      cursor = page.next;
    } while (cursor);
    await add(userId, all);
    return all;
  }

  return {
    ...memberships,

    async create(draft) {
      const id = draft.id ?? newId();
      await add(draft.userId, [id]);
      return memberships.create({ ...draft, id });
    },

    async delete(id) {
      const existing = await memberships.find(id);
      await memberships.delete(id);
      if (existing) await remove(existing.userId, id);
    },

    async list(options: ListOptions<Membership> = {}): Promise<Page<Membership>> {
      const userId = options.where?.userId;
      if (typeof userId !== 'string' || options.where?.id !== undefined) return memberships.list(options);
      const ids = await idsOf(userId);
      if (ids.length > FEW) return memberships.list(options);
      return memberships.list({ ...options, where: { ...options.where, id: { $in: ids } } });
    },
  };
}
