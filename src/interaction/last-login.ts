import type { User } from '../directory/model.ts';
import type { UserStore } from '../directory/ports.ts';

const RESOLUTION_MS = 60_000;

/**
 * Records when the user last signed in, without making the sign-in wait for it, and at most once a minute: it
 * is information for admins, and a store that is slow to write must not slow every sign-in down. A failure is
 * of no consequence.
 */
export function noteLastLogin(users: Pick<UserStore, 'update'>, user: Pick<User, 'id' | 'lastLoginAt'>, now = new Date()): void {
  if (user.lastLoginAt && now.getTime() - Date.parse(user.lastLoginAt) < RESOLUTION_MS) return;
  users.update(user.id, { lastLoginAt: now.toISOString() }).catch(() => undefined);
}
