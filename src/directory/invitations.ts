import { z } from 'zod';
import { AppError, NotFoundError } from '../common/errors.ts';
import { normalizeEmail } from '../common/normalize.ts';
import { actorRef, type Actor } from './actor.ts';
import { assertCanGrant, findInOrganization, requirePermission } from './access.ts';
import { audited } from './audit.ts';
import type { DirectoryContext } from './context.ts';
import {
  assertAllowedMethods, cleanBindings, conflict, emailSchema, groupIdsSchema, idSchema, loginMethodsSchema, pageSchema,
  parseInput, roleBindingsSchema, type Page,
} from './input.ts';
import type { Invitation } from './model.ts';
import { digestSecret, newSecret } from './secrets.ts';
import { assertSeatAvailable, overCap } from './seats.ts';

/*
 * Invitations (the seeds: "the user will receive an email with a link to set up their login information. The
 * link will expire in 24 hours"):
 * - `users:manage` invites, resends, revokes and clears; `users:read` lists
 * - the link's secret is returned once, for the email; only its SHA-256 is stored
 * - inviting someone who is already a member (any status) is a conflict; so is inviting an email that has a
 *   live pending invitation: the admin resends that one instead (an expired one is replaced silently)
 * - roles, and roles carried by the invitation's groups, must be grantable by the inviter
 * - a pending invitation holds a seat (seats.ts); resending issues a new secret and expiry, the old link dies
 * - clearing revokes rather than deletes, so an old link answers "revoked", not "invalid", and history stays
 */

export const INVITATION_TTL_MS = 24 * 60 * 60 * 1000;

export const inviteInputSchema = z.strictObject({
  email: emailSchema,
  roles: roleBindingsSchema.default([]).describe('Role bindings the member gets on acceptance.'),
  groupIds: groupIdsSchema.default([]).describe('Groups the member joins on acceptance.'),
  loginMethods: loginMethodsSchema.default([]),
});
export type InviteInput = z.input<typeof inviteInputSchema>;

export const listInvitationsInputSchema = z.strictObject({ ...pageSchema });
export type ListInvitationsInput = z.input<typeof listInvitationsInputSchema>;

export const clearInvitationsInputSchema = z.strictObject({
  olderThan: z.iso.datetime().optional().describe('Only invitations created before this instant; all pending ones when absent.'),
});
export type ClearInvitationsInput = z.input<typeof clearInvitationsInputSchema>;

/** An invitation as shown to admins: no token hash. */
export type InvitationView = Omit<Invitation, 'tokenHash'> & { expired: boolean };

export interface IssuedInvitation {
  invitation: InvitationView;
  /** The link's secret: put it in the emailed link, then forget it. It is never shown again. */
  token: string;
}

export interface InvitationsService {
  invite(actor: Actor, input: InviteInput): Promise<IssuedInvitation>;
  get(actor: Actor, invitationId: string): Promise<InvitationView>;
  /** Pending invitations (expired ones included, flagged), oldest first. */
  listPending(actor: Actor, input?: ListInvitationsInput): Promise<Page<InvitationView>>;
  resend(actor: Actor, invitationId: string): Promise<IssuedInvitation>;
  revoke(actor: Actor, invitationId: string): Promise<InvitationView>;
  clearPending(actor: Actor, input?: ClearInvitationsInput): Promise<{ cleared: number }>;
}

export function toInvitationView(invitation: Invitation, now: Date): InvitationView {
  const { tokenHash: _secret, ...rest } = invitation;
  return { ...rest, expired: invitation.status === 'pending' && invitation.expiresAt <= now.toISOString() };
}

export function notPending(invitation: Invitation): AppError {
  return new AppError(409, 'invitation_not_pending', `This invitation was already ${invitation.status}`);
}

export function createInvitationsService(ctx: DirectoryContext): InvitationsService {
  const { stores } = ctx;
  const view = (invitation: Invitation) => toInvitationView(invitation, ctx.now());
  const expiry = () => new Date(ctx.now().getTime() + INVITATION_TTL_MS).toISOString();
  const isExpired = (invitation: Invitation) => invitation.expiresAt <= ctx.now().toISOString();

  async function conflictsOf(actor: Actor, email: string): Promise<void> {
    const user = await stores.users.findByEmail(email);
    if (user && await stores.memberships.findFor(actor.orgId, user.id)) {
      throw conflict('member', 'email', 'This email already belongs to a member of the organization');
    }
    const pending = await stores.invitations.list({ where: { orgId: actor.orgId, email, status: 'pending' }, limit: 500 });
    if (pending.items.some((i) => !isExpired(i))) {
      throw conflict('invitation', 'email', 'A pending invitation for this email already exists; resend it instead');
    }
    for (const stale of pending.items) await stores.invitations.update(stale.id, (i) => (i.status === 'pending' ? { status: 'revoked' } : {}));
  }

  async function pendingInOrg(actor: Actor, invitationId: string): Promise<Invitation> {
    const invitation = await findInOrganization(stores.invitations, parseInput(idSchema, invitationId), actor.orgId, 'invitation');
    if (invitation.status !== 'pending') throw notPending(invitation);
    return invitation;
  }

  return {
    invite(actor, input) {
      return audited(stores, actor, 'invitation.created', null, async () => {
        requirePermission(actor, 'users:manage');
        const request = parseInput(inviteInputSchema, input);
        const org = await stores.organizations.get(actor.orgId);
        assertCanGrant(ctx.catalog, actor, request.roles, 'roles');
        const groups = await stores.groups.list({ where: { orgId: actor.orgId, id: { $in: request.groupIds } }, limit: 500 });
        if (groups.items.length !== request.groupIds.length) throw new NotFoundError('group');
        assertCanGrant(ctx.catalog, actor, groups.items.flatMap((g) => g.roles), 'groupIds');
        assertAllowedMethods(org.loginPolicy.methods, request.loginMethods, 'loginMethods');
        const email = normalizeEmail(request.email);
        await conflictsOf(actor, email);
        await assertSeatAvailable(stores, actor.orgId, { now: ctx.now });
        const token = newSecret();
        const invitation = await stores.invitations.create({
          orgId: actor.orgId, email, roles: cleanBindings(request.roles), groupIds: request.groupIds,
          loginMethods: request.loginMethods, tokenHash: digestSecret(token), invitedBy: actorRef(actor),
          expiresAt: expiry(), status: 'pending', acceptedAt: null,
        });
        // Two invitations racing for the last seat both passed the check: whoever now sees the cap exceeded withdraws.
        const over = await overCap(stores, actor.orgId, ctx.now);
        if (over) {
          await stores.invitations.delete(invitation.id);
          throw over;
        }
        return {
          result: { invitation: view(invitation), token },
          target: `invitation:${invitation.id}`,
          details: { email, roles: invitation.roles, groupIds: invitation.groupIds },
        };
      });
    },

    async get(actor, invitationId) {
      requirePermission(actor, 'users:read');
      return view(await findInOrganization(stores.invitations, parseInput(idSchema, invitationId), actor.orgId, 'invitation'));
    },

    async listPending(actor, input = {}) {
      requirePermission(actor, 'users:read');
      const { cursor, limit } = parseInput(listInvitationsInputSchema, input);
      const page = await stores.invitations.list({ where: { orgId: actor.orgId, status: 'pending' }, ...(cursor ? { cursor } : {}), ...(limit ? { limit } : {}) });
      return { ...page, items: page.items.map(view) };
    },

    resend(actor, invitationId) {
      return audited(stores, actor, 'invitation.resent', `invitation:${invitationId}`, async () => {
        requirePermission(actor, 'users:manage');
        const invitation = await pendingInOrg(actor, invitationId);
        // An expired invitation gave its seat back; reviving it takes one again.
        if (isExpired(invitation)) await assertSeatAvailable(stores, actor.orgId, { now: ctx.now });
        const token = newSecret();
        const updated = await stores.invitations.update(invitation.id, (current) => {
          if (current.status !== 'pending') throw notPending(current);
          return { tokenHash: digestSecret(token), expiresAt: expiry() };
        });
        if (isExpired(invitation)) {
          // Revivals (and invitations) racing for the last seat both passed the check: whoever now sees the cap
          // exceeded puts the invitation back as it was, expired.
          const over = await overCap(stores, actor.orgId, ctx.now);
          if (over) {
            // Only if it is still this revival's: a resend since then has its own say.
            await stores.invitations.update(invitation.id, (current) => (current.tokenHash === updated.tokenHash ? { tokenHash: invitation.tokenHash, expiresAt: invitation.expiresAt } : {}));
            throw over;
          }
        }
        return { result: { invitation: view(updated), token }, details: { email: updated.email } };
      });
    },

    revoke(actor, invitationId) {
      return audited(stores, actor, 'invitation.revoked', `invitation:${invitationId}`, async () => {
        requirePermission(actor, 'users:manage');
        const found = await findInOrganization(stores.invitations, parseInput(idSchema, invitationId), actor.orgId, 'invitation');
        if (found.status === 'revoked') return { result: view(found), details: { email: found.email } };
        const updated = await stores.invitations.update(found.id, (current) => {
          if (current.status === 'accepted') throw notPending(current);
          return current.status === 'pending' ? { status: 'revoked' } : {};
        });
        return { result: view(updated), details: { email: updated.email } };
      });
    },

    clearPending(actor, input = {}) {
      return audited(stores, actor, 'invitation.cleared', null, async () => {
        requirePermission(actor, 'users:manage');
        const { olderThan } = parseInput(clearInvitationsInputSchema, input);
        const createdAt = olderThan ? { $lt: new Date(olderThan).toISOString() } : undefined;
        let cleared = 0;
        let cursor: string | undefined;
        do {
          const page = await stores.invitations.list({ where: { orgId: actor.orgId, status: 'pending', createdAt }, limit: 500, ...(cursor ? { cursor } : {}) });
          for (const invitation of page.items) {
            const updated = await stores.invitations.update(invitation.id, (i) => (i.status === 'pending' ? { status: 'revoked' } : {}));
            if (updated.status === 'revoked' && invitation.status === 'pending') cleared++;
          }
          cursor = page.next;
        } while (cursor);
        return { result: { cleared }, details: { cleared, ...(olderThan ? { olderThan } : {}) } };
      });
    },
  };
}
