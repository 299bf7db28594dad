import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConflictError, LimitExceededError, NotFoundError, type ValidationError } from '../../../src/common/errors.ts';
import { verifyPassword } from '../../../src/directory/passwords.ts';
import { assertSeatAvailable } from '../../../src/directory/seats.ts';
import { groupDraft } from '../../support/samples.ts';
import { createWorld, expectCode, roles } from './world.ts';

const HOUR = 60 * 60 * 1000;
const PASSWORD = 'correct horse battery staple';

async function adminWorld(orgOverrides: Parameters<Awaited<ReturnType<typeof createWorld>>['org']>[0] = {}) {
  const w = await createWorld();
  const org = await w.org(orgOverrides);
  const { user: admin, actor } = await w.actor(org, roles('account-admin'));
  return { w, org, admin, actor };
}

describe('inviting and accepting (seeds: the link sets up the login, expires in 24 hours)', () => {
  it('invite -> accept creates the user and an active membership with the invited roles and groups', async () => {
    const { w, org, actor } = await adminWorld();
    const group = await w.stores.groups.create(groupDraft(org.id, { roles: roles('analyst') }));
    const { invitation, token } = await w.directory.invitations.invite(actor, { email: ' New.Person@Example.com ', roles: roles('developer'), groupIds: [group.id] });
    expect(invitation).toMatchObject({ email: 'new.person@example.com', status: 'pending', invitedBy: `user:${actor.id}`, expired: false });
    expect(invitation.expiresAt).toBe(new Date(w.now().getTime() + 24 * HOUR).toISOString());
    expect(invitation).not.toHaveProperty('tokenHash');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await w.stores.invitations.get(invitation.id);
    expect(stored.tokenHash).toBe(createHash('sha256').update(token).digest('base64url'));
    expect(JSON.stringify(stored)).not.toContain(token);

    expect(await w.directory.invitations.preview(token)).toMatchObject({
      organization: { id: org.id, name: org.name }, email: 'new.person@example.com', expired: false, accountExists: false, passwordRequired: true,
    });
    const accepted = await w.directory.invitations.accept({ token, password: PASSWORD, name: 'New Person' }, { requestId: 'r9' });
    expect(accepted.createdAccount).toBe(true);
    expect(accepted.member).toMatchObject({ email: 'new.person@example.com', name: 'New Person', status: 'active', roles: roles('developer'), groupIds: [group.id], emailVerified: true });
    const user = await w.stores.users.get(accepted.member.userId);
    expect(await verifyPassword(user.passwordHash!, PASSWORD)).toBe(true);
    expect(await w.stores.invitations.get(invitation.id)).toMatchObject({ status: 'accepted', acceptedAt: w.now().toISOString() });
    const newcomer = await w.actorOf(org, user);
    expect(newcomer.permissions.has('analytics:read')).toBe(true);
    const actions = (await w.stores.audit.list({ where: { orgId: org.id } })).items.map((e) => [e.action, e.actor]);
    expect(actions).toEqual([['invitation.created', `user:${actor.id}`], ['invitation.accepted', `user:${user.id}`]]);
  });

  it('adds a second membership to an existing account and never touches its password', async () => {
    const { w, org, actor } = await adminWorld();
    const elsewhere = await w.org();
    const { user } = await w.member(elsewhere, roles('owner'), { user: { email: 'ada@example.com', passwordHash: 'original-hash' } });
    const { token } = await w.directory.invitations.invite(actor, { email: 'ADA@example.com', roles: roles('analyst') });
    expect((await w.directory.invitations.preview(token)).accountExists).toBe(true);
    await expectCode(w.directory.invitations.accept({ token, password: 'a brand new password' }), 'invalid_request', 400);
    const accepted = await w.directory.invitations.accept({ token });
    expect(accepted).toMatchObject({ createdAccount: false, member: { userId: user.id, roles: roles('analyst') } });
    expect((await w.stores.users.get(user.id)).passwordHash).toBe('original-hash');
    expect(await w.stores.memberships.findFor(elsewhere.id, user.id)).toBeDefined();
    expect(await w.stores.memberships.findFor(org.id, user.id)).toMatchObject({ status: 'active', source: 'invite' });
  });

  it('accepts for a signed-in user only when it is the invited address', async () => {
    const { w, actor } = await adminWorld();
    const other = await w.org();
    const { user: invitee } = await w.member(other, roles('owner'), { user: { email: 'invitee@example.com' } });
    const { user: stranger } = await w.member(other, roles('owner'));
    const { token } = await w.directory.invitations.invite(actor, { email: 'invitee@example.com' });
    await expectCode(w.directory.invitations.accept({ token, authenticatedUserId: stranger.id }), 'invitation_email_mismatch', 403);
    expect((await w.directory.invitations.accept({ token, authenticatedUserId: invitee.id })).member.userId).toBe(invitee.id);
  });

  it('refuses an expired link (24 hours), a used link, a revoked link and an unknown one, with distinct codes', async () => {
    const { w, actor } = await adminWorld();
    const expiring = await w.directory.invitations.invite(actor, { email: 'late@example.com' });
    const used = await w.directory.invitations.invite(actor, { email: 'used@example.com' });
    const revoked = await w.directory.invitations.invite(actor, { email: 'revoked@example.com' });
    await w.directory.invitations.accept({ token: used.token, password: PASSWORD });
    await w.directory.invitations.revoke(actor, revoked.invitation.id);
    w.advance(24 * HOUR - 1);
    expect((await w.directory.invitations.preview(expiring.token)).expired).toBe(false);
    w.advance(1);
    expect((await w.directory.invitations.preview(expiring.token)).expired).toBe(true);
    await expectCode(w.directory.invitations.accept({ token: expiring.token, password: PASSWORD }), 'invitation_expired', 410);
    await expectCode(w.directory.invitations.accept({ token: used.token, password: PASSWORD }), 'invitation_used', 410);
    await expectCode(w.directory.invitations.accept({ token: revoked.token, password: PASSWORD }), 'invitation_revoked', 410);
    await expectCode(w.directory.invitations.accept({ token: 'A'.repeat(43), password: PASSWORD }), 'invitation_invalid', 404);
    await expectCode(w.directory.invitations.accept({ token: 'not a token', password: PASSWORD }), 'invitation_invalid', 404);
    expect(await w.stores.users.findByEmail('late@example.com')).toBeUndefined();
  });

  it('lets exactly one of two concurrent acceptances succeed', async () => {
    const { w, org, actor } = await adminWorld();
    const existing = await w.member(await w.org(), roles('owner'), { user: { email: 'twice@example.com' } });
    const { token } = await w.directory.invitations.invite(actor, { email: 'twice@example.com' });
    const results = await Promise.allSettled([w.directory.invitations.accept({ token }), w.directory.invitations.accept({ token })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failure = results.find((r) => r.status === 'rejected');
    expect((failure as PromiseRejectedResult).reason).toMatchObject({ code: 'invitation_used' });
    expect(await w.stores.memberships.count({ orgId: org.id, userId: existing.user.id })).toBe(1);
  });

  it('applies the password policy to a new account and requires a password when it is the only method', async () => {
    const { w, actor } = await adminWorld();
    const { token } = await w.directory.invitations.invite(actor, { email: 'policy@example.com' });
    const short = await expectCode(w.directory.invitations.accept({ token, password: 'short' }), 'invalid_request', 400);
    expect((short as ValidationError).details).toEqual([{ path: 'password', message: 'must be at least 8 characters' }]);
    await expectCode(w.directory.invitations.accept({ token, password: 'policy@example.com' }), 'invalid_request', 400);
    const missing = await expectCode(w.directory.invitations.accept({ token }), 'invalid_request', 400);
    expect((missing as ValidationError).details[0]?.path).toBe('password');
    expect((await w.stores.invitations.findByTokenHash(createHash('sha256').update(token).digest('base64url')))?.status).toBe('pending');
  });

  it('creates an account without a password for an SSO-only member', async () => {
    const { w, org, actor } = await adminWorld({ loginPolicy: { methods: ['password', 'saml'], googleHostedDomains: [], ownerPasswordFallback: false } });
    const { token } = await w.directory.invitations.invite(actor, { email: 'sso@example.com', loginMethods: ['saml'] });
    expect((await w.directory.invitations.preview(token)).passwordRequired).toBe(false);
    // A password is refused where it could not be used: the login type is SSO only.
    await expectCode(w.directory.invitations.accept({ token, password: 'a long enough passphrase' }), 'invalid_request', 400);
    const { member } = await w.directory.invitations.accept({ token });
    expect(member).toMatchObject({ hasPassword: false, loginMethods: ['saml'] });
    expect(await w.stores.memberships.findFor(org.id, member.userId)).toMatchObject({ loginMethods: ['saml'] });
    // Only methods the organisation allows.
    await expectCode(w.directory.invitations.invite(actor, { email: 'g@example.com', loginMethods: ['google'] }), 'invalid_request', 400);
  });
});

describe('managing invitations', () => {
  it('resend issues a new link and kills the old one, with a new expiry', async () => {
    const { w, actor } = await adminWorld();
    const first = await w.directory.invitations.invite(actor, { email: 'resend@example.com' });
    w.advance(20 * HOUR);
    const second = await w.directory.invitations.resend(actor, first.invitation.id);
    expect(second.token).not.toBe(first.token);
    expect(second.invitation.expiresAt).toBe(new Date(w.now().getTime() + 24 * HOUR).toISOString());
    await expectCode(w.directory.invitations.accept({ token: first.token, password: PASSWORD }), 'invitation_invalid', 404);
    w.advance(10 * HOUR);
    expect((await w.directory.invitations.accept({ token: second.token, password: PASSWORD })).createdAccount).toBe(true);
    await expectCode(w.directory.invitations.resend(actor, first.invitation.id), 'invitation_not_pending', 409);
  });

  it('lists pending invitations and clears those never accepted, all or older than a date', async () => {
    const { w, actor } = await adminWorld();
    const old = await w.directory.invitations.invite(actor, { email: 'old@example.com' });
    w.advance(48 * HOUR);
    const cutoff = w.now().toISOString();
    w.advance(HOUR);
    await w.directory.invitations.invite(actor, { email: 'recent@example.com' });
    const accepted = await w.directory.invitations.invite(actor, { email: 'accepted@example.com' });
    await w.directory.invitations.accept({ token: accepted.token, password: PASSWORD });

    const pending = await w.directory.invitations.listPending(actor);
    expect(pending.items.map((i) => [i.email, i.expired])).toEqual([['old@example.com', true], ['recent@example.com', false]]);
    expect(pending.items.every((i) => !('tokenHash' in i))).toBe(true);
    expect(await w.directory.invitations.clearPending(actor, { olderThan: cutoff })).toEqual({ cleared: 1 });
    await expectCode(w.directory.invitations.accept({ token: old.token, password: PASSWORD }), 'invitation_revoked', 410);
    expect((await w.directory.invitations.listPending(actor)).items.map((i) => i.email)).toEqual(['recent@example.com']);
    expect(await w.directory.invitations.clearPending(actor)).toEqual({ cleared: 1 });
    expect((await w.directory.invitations.listPending(actor)).items).toEqual([]);
    expect((await w.stores.invitations.get(accepted.invitation.id)).status).toBe('accepted');
  });

  it('refuses an email that is already a member, and a second live invitation for the same email', async () => {
    const { w, org, actor } = await adminWorld();
    await w.member(org, roles('developer'), { user: { email: 'member@example.com' } });
    await expect(w.directory.invitations.invite(actor, { email: 'Member@Example.com' })).rejects.toBeInstanceOf(ConflictError);
    const first = await w.directory.invitations.invite(actor, { email: 'twice@example.com' });
    const twice = await expectCode(w.directory.invitations.invite(actor, { email: 'TWICE@example.com' }), 'conflict', 409);
    expect(twice.message).toMatch(/pending invitation/);
    // An expired invitation does not block a new one; it is replaced.
    w.advance(25 * HOUR);
    const again = await w.directory.invitations.invite(actor, { email: 'twice@example.com' });
    expect((await w.stores.invitations.get(first.invitation.id)).status).toBe('revoked');
    expect(again.invitation.status).toBe('pending');
  });

  it('needs users:manage to invite, resend, revoke and clear; users:read to list', async () => {
    const { w, org, actor: admin } = await adminWorld();
    const { invitation } = await w.directory.invitations.invite(admin, { email: 'x@example.com' });
    const { actor: developer } = await w.actor(org, roles('developer'));
    await expectCode(w.directory.invitations.invite(developer, { email: 'y@example.com' }), 'forbidden', 403);
    await expectCode(w.directory.invitations.resend(developer, invitation.id), 'forbidden', 403);
    await expectCode(w.directory.invitations.revoke(developer, invitation.id), 'forbidden', 403);
    await expectCode(w.directory.invitations.clearPending(developer), 'forbidden', 403);
    await expectCode(w.directory.invitations.listPending(developer), 'forbidden', 403);
    const reader = { ...developer, permissions: new Set([...developer.permissions, 'users:read']) };
    expect((await w.directory.invitations.listPending(reader)).items).toHaveLength(1);
    await expectCode(w.directory.invitations.invite(reader, { email: 'y@example.com' }), 'forbidden', 403);
  });

  it('refuses to invite with roles the inviter does not hold, directly or through groups', async () => {
    const { w, org, actor } = await adminWorld();
    const owners = await w.stores.groups.create(groupDraft(org.id, { roles: roles('owner') }));
    await expectCode(w.directory.invitations.invite(actor, { email: 'a@example.com', roles: roles('owner') }), 'privilege_escalation', 403);
    await expectCode(w.directory.invitations.invite(actor, { email: 'a@example.com', groupIds: [owners.id] }), 'privilege_escalation', 403);
    expect(await w.stores.invitations.count({ orgId: org.id })).toBe(0);
  });

  it('hides other organisations\' invitations and groups (404)', async () => {
    const { w, actor } = await adminWorld();
    const other = await w.org();
    const { actor: foreignAdmin } = await w.actor(other, roles('account-admin'));
    const foreign = await w.directory.invitations.invite(foreignAdmin, { email: 'f@example.com' });
    const foreignGroup = await w.stores.groups.create(groupDraft(other.id));
    await expect(w.directory.invitations.revoke(actor, foreign.invitation.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.directory.invitations.resend(actor, foreign.invitation.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.directory.invitations.get(actor, foreign.invitation.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.directory.invitations.invite(actor, { email: 'g@example.com', groupIds: [foreignGroup.id] })).rejects.toBeInstanceOf(NotFoundError);
    expect((await w.directory.invitations.listPending(actor)).items).toEqual([]);
    expect((await w.stores.invitations.get(foreign.invitation.id)).status).toBe('pending');
  });

  it('names the offending fields of bad input', async () => {
    const { w, actor } = await adminWorld();
    const error = await expectCode(w.directory.invitations.invite(actor, { email: 'nope', roles: [{ role: '' }], extra: 1 } as never), 'invalid_request', 400);
    expect((error as ValidationError).details.map((d) => d.path).sort()).toEqual(['email', 'extra', 'roles[0].role']);
  });
});

describe('the user cap (organization.limits.maxUsers)', () => {
  it('counts members of every status and pending invitations, on invite', async () => {
    const { w, org, actor } = await adminWorld({ limits: { maxUsers: 3, maxGroups: 5 } });
    await w.member(org, roles('developer'), { membership: { status: 'suspended' } });
    await w.directory.invitations.invite(actor, { email: 'third@example.com' });
    const error = await expectCode(w.directory.invitations.invite(actor, { email: 'fourth@example.com' }), 'user_limit_reached', 409);
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error.message).toBe('This organization has reached its limit of 3 users');
    expect((error as LimitExceededError).limit).toBe(3);
    await expect(assertSeatAvailable(w.stores, org.id, { now: w.now })).rejects.toMatchObject({ code: 'user_limit_reached' });
    // An expired invitation gives its seat back.
    w.advance(25 * HOUR);
    await expect(w.directory.invitations.invite(actor, { email: 'fourth@example.com' })).resolves.toBeDefined();
  });

  it('holds on acceptance: the invitation\'s own seat is used, nothing more', async () => {
    const { w, org, actor } = await adminWorld({ limits: { maxUsers: 2, maxGroups: 5 } });
    const { token } = await w.directory.invitations.invite(actor, { email: 'fits@example.com' });
    await expect(w.directory.invitations.accept({ token, password: PASSWORD })).resolves.toBeDefined();

    await expectCode(w.directory.invitations.invite(w.directory.access.systemActor(org.id), { email: 'late@example.com' }), 'user_limit_reached', 409);
    // The cap was lowered after an invitation was sent: accepting it would exceed it.
    await w.stores.organizations.update(org.id, { limits: { maxUsers: 3, maxGroups: 5 } });
    const pending = await w.directory.invitations.invite(actor, { email: 'pending@example.com' });
    await w.stores.organizations.update(org.id, { limits: { maxUsers: 2, maxGroups: 5 } });
    await expectCode(w.directory.invitations.accept({ token: pending.token, password: PASSWORD }), 'user_limit_reached', 409);
    expect(await w.stores.users.findByEmail('pending@example.com')).toBeUndefined();
    expect((await w.stores.invitations.get(pending.invitation.id)).status).toBe('pending');
  });

  it('is unlimited when maxUsers is null', async () => {
    const { w, org } = await adminWorld({ limits: { maxUsers: null, maxGroups: 5 } });
    for (let i = 0; i < 5; i++) await w.member(org);
    await expect(assertSeatAvailable(w.stores, org.id)).resolves.toBeUndefined();
  });
});
