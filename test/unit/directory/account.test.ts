import { describe, expect, it } from 'vitest';
import type { ValidationError } from '../../../src/common/errors.ts';
import { passwordProblems } from '../../../src/directory/password-policy.ts';
import { hashPassword, verifyPassword } from '../../../src/directory/passwords.ts';
import { countingHasher, createWorld, expectCode, roles } from './world.ts';

const HOUR = 60 * 60 * 1000;
const OLD = 'old password that is long';
const NEW = 'a new password, also long';

describe('password policy (NIST SP 800-63B)', () => {
  it('wants 8 to 128 characters, no composition rules, not common, not the email', () => {
    expect(passwordProblems('seven77')).toEqual(['must be at least 8 characters']);
    expect(passwordProblems('eightch8')).toEqual([]);
    expect(passwordProblems('alllowercaseletters')).toEqual([]);
    expect(passwordProblems('ñandú über café')).toEqual([]);
    expect(passwordProblems('🔒🔒🔒🔒🔒🔒🔒🔒')).toEqual([]);
    expect(passwordProblems('x'.repeat(128))).toEqual([]);
    expect(passwordProblems('x'.repeat(129))).toEqual(['must be at most 128 characters']);
    expect(passwordProblems('Password1')).toEqual(['is too common; choose a less predictable password']);
    expect(passwordProblems('Ada@Example.com', { email: 'ada@example.com' })).toEqual(['must not be your email address']);
    expect(passwordProblems('ada.lovelace', { email: 'Ada.Lovelace@example.com' })).toEqual(['must not be your email address']);
  });
});

describe('changing one\'s password (seeds: old and new password)', () => {
  it('changes it with the right current password, and refuses a wrong one after the same work', async () => {
    const { calls, hasher } = countingHasher();
    const w = await createWorld({ passwords: hasher });
    const org = await w.org();
    const { user } = await w.member(org, roles('developer'), { user: { passwordHash: `plain$${OLD}` } });
    const { user: ssoOnly } = await w.member(org, roles('developer'), { user: { passwordHash: null } });
    const actor = await w.actorOf(org, user);

    await expectCode(w.directory.account.changePassword(actor, { currentPassword: 'wrong one', newPassword: NEW }), 'invalid_current_password', 403);
    expect(calls.verify).toBe(1);
    await expectCode(w.directory.account.changePassword(await w.actorOf(org, ssoOnly), { currentPassword: 'anything', newPassword: NEW }), 'invalid_current_password', 403);
    expect(calls.verify).toBe(2);
    const weak = await expectCode(w.directory.account.changePassword(actor, { currentPassword: OLD, newPassword: 'short' }), 'invalid_request', 400);
    expect((weak as ValidationError).details[0]?.path).toBe('newPassword');

    await w.directory.account.changePassword(actor, { currentPassword: OLD, newPassword: NEW });
    expect((await w.stores.users.get(user.id)).passwordHash).toBe(`plain$${NEW}`);
    const events = (await w.stores.audit.list({ where: { action: 'account.password_changed' } })).items;
    expect(events.map((e) => e.outcome)).toEqual(['failure', 'failure', 'success']);
    expect(JSON.stringify(events)).not.toContain(NEW);
    expect(JSON.stringify(events)).not.toContain(OLD);
  });

  it('hashes with argon2id by default', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { user } = await w.member(org, roles('developer'), { user: { passwordHash: await hashPassword(OLD) } });
    await w.directory.account.changePassword(await w.actorOf(org, user), { currentPassword: OLD, newPassword: NEW });
    const stored = (await w.stores.users.get(user.id)).passwordHash!;
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(stored, NEW)).toBe(true);
  });

  it('is for users only', async () => {
    const w = await createWorld();
    const org = await w.org();
    await expectCode(w.directory.account.changePassword(w.directory.access.systemActor(org.id), { currentPassword: OLD, newPassword: NEW }), 'forbidden', 403);
  });
});

describe('forgot password and reset (seeds: a password reset link by email)', () => {
  it('answers the same for an unknown email: undefined, after the same work', async () => {
    const w = await createWorld({ passwords: countingHasher().hasher });
    const org = await w.org();
    await w.member(org, roles('developer'), { user: { email: 'known@example.com' } });
    const writes: string[] = [];
    const set = w.kv.set.bind(w.kv);
    w.kv.set = async (key, value, ttl, options) => {
      writes.push(key);
      return set(key, value, ttl, options);
    };
    const known = await w.directory.account.forgotPassword({ email: 'KNOWN@example.com' });
    const unknown = await w.directory.account.forgotPassword({ email: 'nobody@example.com' });
    expect(known).toMatchObject({ email: 'known@example.com', token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(unknown).toBeUndefined();
    expect(writes).toHaveLength(2);
    const events = (await w.stores.audit.list({ where: { action: 'account.password_reset_requested' } })).items;
    expect(events).toHaveLength(2);
    expect(JSON.stringify(events)).not.toContain(known!.token);
  });

  it('resets with the token once, within one hour, and verifies the email', async () => {
    const w = await createWorld({ passwords: countingHasher().hasher });
    const org = await w.org();
    const { user } = await w.member(org, roles('developer'), { user: { email: 'reset@example.com', passwordHash: `plain$${OLD}`, emailVerified: false } });
    const { token } = (await w.directory.account.forgotPassword({ email: 'reset@example.com' }))!;
    const weak = await expectCode(w.directory.account.resetPassword({ token, newPassword: 'reset@example.com' }), 'invalid_request', 400);
    expect((weak as ValidationError).details[0]?.path).toBe('newPassword');
    await w.directory.account.resetPassword({ token, newPassword: NEW });
    expect(await w.stores.users.get(user.id)).toMatchObject({ passwordHash: `plain$${NEW}`, emailVerified: true });
    await expectCode(w.directory.account.resetPassword({ token, newPassword: 'yet another password' }), 'reset_token_invalid', 400);

    const { token: late } = (await w.directory.account.forgotPassword({ email: 'reset@example.com' }))!;
    w.advance(HOUR);
    await expectCode(w.directory.account.resetPassword({ token: late, newPassword: 'yet another password' }), 'reset_token_invalid', 400);
    await expectCode(w.directory.account.resetPassword({ token: 'garbage', newPassword: 'yet another password' }), 'reset_token_invalid', 400);
    expect((await w.stores.users.get(user.id)).passwordHash).toBe(`plain$${NEW}`);
  });

  it('lets exactly one of two concurrent resets with the same link succeed', async () => {
    const w = await createWorld({ passwords: countingHasher().hasher });
    const org = await w.org();
    await w.member(org, roles('developer'), { user: { email: 'race@example.com', passwordHash: `plain$${OLD}` } });
    const { token } = (await w.directory.account.forgotPassword({ email: 'race@example.com' }))!;
    const results = await Promise.allSettled([
      w.directory.account.resetPassword({ token, newPassword: NEW }),
      w.directory.account.resetPassword({ token, newPassword: 'the other new password' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('drops every other outstanding reset link once the password is set', async () => {
    const w = await createWorld({ passwords: countingHasher().hasher });
    const org = await w.org();
    const { user } = await w.member(org, roles('developer'), { user: { email: 'two@example.com', passwordHash: `plain$${OLD}` } });
    const first = (await w.directory.account.forgotPassword({ email: 'two@example.com' }))!;
    const second = (await w.directory.account.forgotPassword({ email: 'two@example.com' }))!;
    await w.directory.account.resetPassword({ token: second.token, newPassword: NEW });
    await expectCode(w.directory.account.resetPassword({ token: first.token, newPassword: 'attacker password' }), 'reset_token_invalid', 400);

    const third = (await w.directory.account.forgotPassword({ email: 'two@example.com' }))!;
    await w.directory.account.changePassword(await w.actorOf(org, user), { currentPassword: NEW, newPassword: 'changed again, long' });
    await expectCode(w.directory.account.resetPassword({ token: third.token, newPassword: 'attacker password' }), 'reset_token_invalid', 400);
  });

  it('gives no token for a disabled account', async () => {
    const w = await createWorld({ passwords: countingHasher().hasher });
    const org = await w.org();
    await w.member(org, roles('developer'), { user: { email: 'off@example.com', status: 'disabled' } });
    expect(await w.directory.account.forgotPassword({ email: 'off@example.com' })).toBeUndefined();
  });
});
