import { z } from 'zod';
import { AppError, ConflictError, ForbiddenError } from '../common/errors.ts';
import { normalizeEmail } from '../common/normalize.ts';
import { recordAudit, type AuditSource } from './audit.ts';
import type { DirectoryContext } from './context.ts';
import { conflict, idSchema, invalidInput, parseInput } from './input.ts';
import { toMember, type Member } from './member-view.ts';
import type { Invitation, LoginMethod, Organization, User } from './model.ts';
import { holdsOwnerRole } from './access.ts';
import { resolveLoginMethods } from './login-policy.ts';
import { assertPasswordPolicy } from './password-policy.ts';
import { digestSecret, isSecretShaped } from './secrets.ts';
import { assertSeatAvailable } from './seats.ts';

/*
 * The invitation link, from the invitee's side (no Actor: the link's secret is the credential):
 * - an unknown, malformed or superseded (resent) secret is `invitation_invalid`; a used one `invitation_used`,
 *   a revoked one `invitation_revoked`, one older than 24 hours `invitation_expired`
 * - single use: the invitation is claimed by a versioned update that re-checks `pending`, so of two concurrent
 *   acceptances exactly one succeeds; if creating the account or membership then fails, the claim is undone
 * - no account for the email: one is created, with the password given (the policy applies) and the email
 *   verified, since the link was emailed there
 * - an existing account gets a membership only (a person may belong to several organisations; nobody has to
 *   delete an account first) and its password is never set or changed by a link
 * - `authenticatedUserId` (the invitee signed in first) must be the account the invitation was sent to
 * - the user cap holds: the invitation's own seat is the one its acceptance uses
 */

export const acceptInvitationInputSchema = z.strictObject({
  token: z.string().min(1).max(256).describe('The secret from the invitation link.'),
  password: z.string().max(1024).optional().describe('Password of the account to create (only when the email has no account yet).'),
  name: z.string().trim().min(1).max(200).optional().describe('Full name of the account to create; defaults to the email\'s local part.'),
  authenticatedUserId: idSchema.optional().describe('The signed-in user accepting, when the invitee signed in first.'),
}).refine((input) => input.password === undefined || input.authenticatedUserId === undefined, {
  message: 'give either a password (new account) or authenticatedUserId (signed-in account), not both',
  path: ['password'],
});
export type AcceptInvitationInput = z.input<typeof acceptInvitationInputSchema>;

export interface InvitationPreview {
  organization: { id: string; name: string; slug: string };
  email: string;
  expiresAt: string;
  expired: boolean;
  /** Whether the email already has an account: then the page asks to accept (or sign in), not for a password. */
  accountExists: boolean;
  /** The login methods the member will have. */
  loginMethods: LoginMethod[];
  /** A new account needs a password when password is the only method it will have. */
  passwordRequired: boolean;
}

export interface AcceptedInvitation {
  member: Member;
  createdAccount: boolean;
}

export interface RequestContext {
  requestId?: string;
  ip?: string;
}

export interface InvitationAcceptanceService {
  /** @throws AppError('invitation_invalid' | 'invitation_used' | 'invitation_revoked'); an expired link is previewed with `expired: true`. */
  preview(token: string): Promise<InvitationPreview>;
  accept(input: AcceptInvitationInput, context?: RequestContext): Promise<AcceptedInvitation>;
}

export function invitationError(code: 'invitation_invalid' | 'invitation_used' | 'invitation_revoked' | 'invitation_expired'): AppError {
  switch (code) {
    case 'invitation_invalid': return new AppError(404, code, 'This invitation link is not valid');
    case 'invitation_used': return new AppError(410, code, 'This invitation has already been accepted');
    case 'invitation_revoked': return new AppError(410, code, 'This invitation was withdrawn; ask for a new one');
    case 'invitation_expired': return new AppError(410, code, 'This invitation has expired; ask for a new one');
  }
}

/** How the invitee will sign in: the invitation's methods within the organisation's policy as it is now. */
function methodsOf(invitation: Invitation, org: Organization): LoginMethod[] {
  return resolveLoginMethods({ org, membership: { loginMethods: invitation.loginMethods }, isOwner: holdsOwnerRole(invitation.roles) });
}

export function createInvitationAcceptanceService(ctx: DirectoryContext): InvitationAcceptanceService {
  const { stores } = ctx;
  const isExpired = (invitation: Invitation) => invitation.expiresAt <= ctx.now().toISOString();

  async function lookup(token: string): Promise<Invitation> {
    const invitation = isSecretShaped(token) ? await stores.invitations.findByTokenHash(digestSecret(token)) : undefined;
    if (!invitation) throw invitationError('invitation_invalid');
    if (invitation.status === 'accepted') throw invitationError('invitation_used');
    if (invitation.status === 'revoked') throw invitationError('invitation_revoked');
    return invitation;
  }

  function assertUsable(invitation: Invitation): void {
    if (invitation.status === 'accepted') throw invitationError('invitation_used');
    if (invitation.status === 'revoked') throw invitationError('invitation_revoked');
    if (isExpired(invitation)) throw invitationError('invitation_expired');
  }

  /** The existing account the invitation joins, or undefined when one is to be created. */
  async function existingAccount(invitation: Invitation, authenticatedUserId: string | undefined): Promise<User | undefined> {
    if (authenticatedUserId === undefined) return stores.users.findByEmail(invitation.email);
    const user = await stores.users.find(authenticatedUserId);
    if (!user || normalizeEmail(user.email) !== invitation.email) {
      throw new ForbiddenError('invitation_email_mismatch', 'This invitation was sent to another email address; sign in with that one');
    }
    return user;
  }

  async function join(invitation: Invitation, user: User | undefined, passwordHash: string | null, name: string | undefined) {
    let account = user;
    let createdAccount = false;
    if (!account) {
      const draft = { email: invitation.email, name: name ?? invitation.email.slice(0, invitation.email.indexOf('@')), passwordHash, emailVerified: true, mfaOptIn: false, status: 'active' as const, lastLoginAt: null };
      try {
        account = await stores.users.create(draft);
        createdAccount = true;
      } catch (error) {
        // Created meanwhile (another link, sign-up by SSO): join that account, leaving its password alone.
        account = error instanceof ConflictError ? await stores.users.findByEmail(invitation.email) : undefined;
        if (!account) throw error;
      }
    } else if (!account.emailVerified) {
      account = await stores.users.update(account.id, { emailVerified: true });
    }
    // Groups deleted since the invitation was sent are skipped.
    const groups = await stores.groups.list({ where: { orgId: invitation.orgId, id: { $in: invitation.groupIds } }, limit: 500 });
    let membership;
    try {
      membership = await stores.memberships.create({
        orgId: invitation.orgId, userId: account.id, roles: invitation.roles, groupIds: groups.items.map((g) => g.id),
        status: 'active', source: 'invite', loginMethods: invitation.loginMethods,
      });
    } catch (error) {
      if (createdAccount) await stores.users.delete(account.id);
      throw error;
    }
    return { member: toMember(membership, account), createdAccount };
  }

  return {
    async preview(token) {
      const invitation = await lookup(parseInput(z.string().max(256), token));
      const org = await stores.organizations.get(invitation.orgId);
      const methods = methodsOf(invitation, org);
      return {
        organization: { id: org.id, name: org.name, slug: org.slug },
        email: invitation.email,
        expiresAt: invitation.expiresAt,
        expired: isExpired(invitation),
        accountExists: (await stores.users.findByEmail(invitation.email)) !== undefined,
        loginMethods: methods,
        passwordRequired: methods.length === 1 && methods[0] === 'password',
      };
    },

    async accept(input, context = {}) {
      const request = parseInput(acceptInvitationInputSchema, input);
      const invitation = await lookup(request.token);
      const source: AuditSource = { actor: request.authenticatedUserId ? `user:${request.authenticatedUserId}` : 'anonymous', orgId: invitation.orgId, ...context };
      const target = `invitation:${invitation.id}`;
      try {
        assertUsable(invitation);
        const org = await stores.organizations.get(invitation.orgId);
        const user = await existingAccount(invitation, request.authenticatedUserId);
        if (user && request.password !== undefined) {
          throw invalidInput([{ path: 'password', message: 'this email already has an account: accept without a password and sign in with the existing one' }]);
        }
        if (user && await stores.memberships.findFor(org.id, user.id)) {
          throw conflict('member', 'email', 'This account is already a member of the organization');
        }
        let passwordHash: string | null = null;
        const methods = methodsOf(invitation, org);
        if (!user && request.password !== undefined && !methods.includes('password')) {
          throw invalidInput([{ path: 'password', message: 'is not used: this organization signs you in with single sign-on' }]);
        }
        if (!user && request.password !== undefined) {
          assertPasswordPolicy(request.password, 'password', { email: invitation.email });
          passwordHash = await ctx.passwords.hash(request.password);
        } else if (!user && methods.length > 0 && methods.every((m) => m === 'password')) {
          throw invalidInput([{ path: 'password', message: 'required: password is this account\'s only login method' }]);
        }
        await assertSeatAvailable(stores, org.id, { now: ctx.now, forInvitation: invitation });
        const acceptedAt = ctx.now().toISOString();
        await stores.invitations.update(invitation.id, (current) => {
          assertUsable(current);
          return { status: 'accepted', acceptedAt };
        });
        let accepted: AcceptedInvitation;
        try {
          accepted = await join(invitation, user, passwordHash, request.name);
        } catch (error) {
          await stores.invitations.update(invitation.id, (current) => (current.acceptedAt === acceptedAt ? { status: 'pending', acceptedAt: null } : {}));
          throw error;
        }
        await recordAudit(stores, { ...source, actor: `user:${accepted.member.userId}` }, 'invitation.accepted', {
          target, details: { userId: accepted.member.userId, createdAccount: accepted.createdAccount, roles: invitation.roles },
        });
        return accepted;
      } catch (error) {
        if (error instanceof AppError && error.status !== 400) {
          await recordAudit(stores, source, 'invitation.accepted', { target, outcome: 'failure', details: { reason: error.code } });
        }
        throw error;
      }
    },
  };
}
