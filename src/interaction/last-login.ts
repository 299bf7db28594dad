import type { UserStore } from '../directory/ports.ts';

/**
 * Records when the user last signed in, without making the sign-in wait for it: it is information for admins,
 * and a store that is slow to write must not slow every sign-in down. A failure is of no consequence.
 */
export function noteLastLogin(users: Pick<UserStore, 'update'>, userId: string): void {
  users.update(userId, { lastLoginAt: new Date().toISOString() }).catch(() => undefined);
}
