import { describe, expect, it } from 'vitest';
import { noteLastLogin } from '../../../src/interaction/last-login.ts';

describe('noteLastLogin', () => {
  it('writes the sign-in time, at most once a minute, and never fails the sign-in', async () => {
    const writes: string[] = [];
    const users = { update: async (_id: string, patch: { lastLoginAt?: string | null }) => { writes.push(patch.lastLoginAt!); return {} as never; } };
    const now = new Date('2026-12-01T10:00:00Z');
    noteLastLogin(users, { id: 'u', lastLoginAt: null }, now);
    noteLastLogin(users, { id: 'u', lastLoginAt: '2026-12-01T09:59:30Z' }, now);
    noteLastLogin(users, { id: 'u', lastLoginAt: '2026-12-01T09:58:00Z' }, now);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([now.toISOString(), now.toISOString()]);
    const failing = { update: async () => { throw new Error('store down'); } };
    expect(() => noteLastLogin(failing, { id: 'u', lastLoginAt: null }, now)).not.toThrow();
  });
});
