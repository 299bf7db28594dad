import { ValidationError } from '../common/errors.ts';
import type { DirectoryStores } from './context.ts';
import type { Page } from './input.ts';
import type { LoginMethod, Membership, RoleBinding, User } from './model.ts';

/*
 * Members as the admin API shows them: the membership joined with its user, without secrets (no password hash;
 * `hasPassword` says whether one is set). Listing walks the organisation's memberships in id order, batch by
 * batch, filtering by the users' email or name; the cursor is the last returned membership's id, so a search
 * resumes exactly where the previous page stopped.
 */

export interface Member {
  userId: string;
  membershipId: string;
  email: string;
  name: string;
  emailVerified: boolean;
  hasPassword: boolean;
  /** The account itself (global): `disabled` users cannot sign in anywhere. */
  accountStatus: User['status'];
  /** The membership in this organisation. */
  status: Membership['status'];
  roles: RoleBinding[];
  groupIds: string[];
  loginMethods: LoginMethod[];
  source: Membership['source'];
  lastLoginAt: string | null;
  joinedAt: string;
  updatedAt: string;
}

export function toMember(membership: Membership, user: User): Member {
  return {
    userId: user.id,
    membershipId: membership.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerified,
    hasPassword: user.passwordHash !== null,
    accountStatus: user.status,
    status: membership.status,
    roles: membership.roles,
    groupIds: membership.groupIds,
    loginMethods: membership.loginMethods,
    source: membership.source,
    lastLoginAt: user.lastLoginAt,
    joinedAt: membership.createdAt,
    updatedAt: membership.updatedAt,
  };
}

export interface MemberQuery {
  orgId: string;
  status?: Membership['status'];
  groupId?: string;
  /** Case-insensitive substring of the email or the name. */
  search?: string;
  cursor?: string;
  limit: number;
}

const BATCH = 200;

export async function listMembers(stores: Pick<DirectoryStores, 'memberships' | 'users'>, query: MemberQuery): Promise<Page<Member>> {
  const needle = query.search?.normalize('NFC').toLowerCase() || undefined;
  const matches = (user: User) => !needle || user.email.toLowerCase().includes(needle) || user.name.normalize('NFC').toLowerCase().includes(needle);
  const found: Member[] = [];
  let after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  for (;;) {
    const page = await stores.memberships.list({
      where: {
        orgId: query.orgId,
        status: query.status,
        ...(query.groupId ? { groupIds: { $contains: query.groupId } } : {}),
        ...(after ? { id: { $gte: after } } : {}),
      },
      limit: BATCH + 1,
    });
    const batch = page.items.filter((m) => m.id !== after);
    const users = await usersById(stores, batch.map((m) => m.userId));
    for (const membership of batch) {
      const user = users.get(membership.userId);
      if (!user || !matches(user)) continue;
      if (found.length === query.limit) return { items: found, next: encodeCursor(found.at(-1)!.membershipId) };
      found.push(toMember(membership, user));
    }
    const last = batch.at(-1);
    if (!page.next || !last) return { items: found };
    after = last.id;
  }
}

async function usersById(stores: Pick<DirectoryStores, 'users'>, ids: string[]): Promise<Map<string, User>> {
  if (ids.length === 0) return new Map();
  const page = await stores.users.list({ where: { id: { $in: ids } }, limit: 500 });
  return new Map(page.items.map((u) => [u.id, u]));
}

function encodeCursor(membershipId: string): string {
  return Buffer.from(`m:${membershipId}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^m:[\x21-\x7e]{1,128}$/.test(text)) throw new ValidationError('cursor is not valid', [{ path: 'cursor', message: 'malformed' }]);
  return text.slice(2);
}
