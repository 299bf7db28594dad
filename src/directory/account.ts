import { z } from 'zod';
import { AppError, ForbiddenError } from '../common/errors.ts';
import type { Actor } from './actor.ts';
import { recordAudit, type AuditSource } from './audit.ts';
import type { DirectoryContext } from './context.ts';
import { emailSchema, parseInput } from './input.ts';
import type { RequestContext } from './invitation-acceptance.ts';
import { assertPasswordPolicy } from './password-policy.ts';
import { passwordScope } from './password-scope.ts';
import { digestSecret, isSecretShaped, newSecret } from './secrets.ts';

/*
 * A user's own password (the seeds: "change password ... asking for your old and new passwords"; "Forgot
 * Password? ... check their email for a password reset link"):
 * - changing needs the current password; a wrong one and "no password set" cost the same argon2 work and give
 *   the same answer (`invalid_current_password`)
 * - "forgot password" answers the same for any email: it returns a token only for an active account, after
 *   the same lookups, token generation and KV write either way; the caller emails the link when there is a
 *   token and shows one neutral message in every case (and should send asynchronously, so that the SMTP round
 *   trip does not reveal which case it was; rate limiting is the HTTP layer's)
 * - reset tokens: 32 random bytes, only their SHA-256 kept in the KV store, for one hour, consumed atomically
 *   (single use); setting a password by any means drops the user's other outstanding reset tokens
 * - passwords follow password-policy.ts (NIST SP 800-63B)
 */

export const RESET_TOKEN_TTL_SECONDS = 60 * 60;
const resetKey = (digest: string) => `password-reset:${digest}`;
const resetGroup = (userId: string) => `password-reset-user:${userId}`;
const DECOY_KEY = 'password-reset:decoy';

export const changePasswordInputSchema = z.strictObject({
  currentPassword: z.string().max(1024),
  newPassword: z.string().max(1024),
});
export type ChangePasswordInput = z.input<typeof changePasswordInputSchema>;

export const forgotPasswordInputSchema = z.strictObject({ email: emailSchema });
export type ForgotPasswordInput = z.input<typeof forgotPasswordInputSchema>;

export const resetPasswordInputSchema = z.strictObject({
  token: z.string().min(1).max(256).describe('The secret from the reset link.'),
  newPassword: z.string().max(1024),
});
export type ResetPasswordInput = z.input<typeof resetPasswordInputSchema>;

export interface PasswordResetRequest {
  /** Put it in the emailed link; valid for one hour, once. Empty when `ssoOnlyIn` is not. */
  token: string;
  /** Organisations that let this account in by SSO only, when none allows a password: email that instead. */
  ssoOnlyIn: string[];
  /** Where to send the link: the account's address as stored. */
  email: string;
  name: string;
}

export interface AccountService {
  /** The acting user's own password. @throws ForbiddenError('invalid_current_password'), ValidationError on `newPassword` */
  changePassword(actor: Actor, input: ChangePasswordInput): Promise<void>;
  /** The same for a user acting outside any organisation (the account page). */
  changeOwnPassword(userId: string, input: ChangePasswordInput, context?: RequestContext): Promise<void>;
  /** Whether `password` is the user's current one; the same argon2 work when the account has none. */
  checkPassword(userId: string, password: string): Promise<boolean>;
  /** A reset token for an active account with this email, or undefined (same work, same timing). */
  forgotPassword(input: ForgotPasswordInput, context?: RequestContext): Promise<PasswordResetRequest | undefined>;
  /** @throws AppError('reset_token_invalid') for an unknown, used or expired token; ValidationError on `newPassword` */
  resetPassword(input: ResetPasswordInput, context?: RequestContext): Promise<void>;
}

interface ResetRecord {
  userId: string;
}

export function createAccountService(ctx: DirectoryContext): AccountService {
  const { stores, kv } = ctx;
  const invalidToken = () => new AppError(400, 'reset_token_invalid', 'This password reset link is not valid or has expired; ask for a new one');

  async function setPassword(userId: string, plain: string, verifiedEmail: boolean): Promise<void> {
    const passwordHash = await ctx.passwords.hash(plain);
    // Every sign-in made with the old one ends: the sessions and refresh tokens from before no longer serve.
    await stores.users.update(userId, { passwordHash, passwordChangedAt: ctx.now().toISOString(), ...(verifiedEmail ? { emailVerified: true } : {}) });
    await kv.deleteGroup(resetGroup(userId));
  }

  async function changeFor(userId: string, source: Actor | AuditSource, input: ChangePasswordInput): Promise<void> {
    const request = parseInput(changePasswordInputSchema, input);
    const user = await stores.users.get(userId);
    let correct = false;
    if (user.passwordHash) correct = await ctx.passwords.verify(user.passwordHash, request.currentPassword);
    else await ctx.passwords.verifyNothing(request.currentPassword);
    if (!correct) {
      await recordAudit(stores, source, 'account.password_changed', { target: `user:${user.id}`, outcome: 'failure', details: { reason: 'invalid_current_password' } });
      throw new ForbiddenError('invalid_current_password', 'The current password is not correct');
    }
    assertPasswordPolicy(request.newPassword, 'newPassword', { email: user.email });
    await setPassword(user.id, request.newPassword, false);
    await recordAudit(stores, source, 'account.password_changed', { target: `user:${user.id}` });
  }

  return {
    async changePassword(actor, input) {
      if (actor.kind !== 'user') throw new ForbiddenError('forbidden', 'Only a signed-in user can change their password');
      await changeFor(actor.id, actor, input);
    },

    changeOwnPassword: (userId, input, context = {}) => changeFor(userId, { actor: `user:${userId}`, orgId: null, ...context }, input),

    async checkPassword(userId, password) {
      const user = await stores.users.get(userId);
      if (user.passwordHash) return ctx.passwords.verify(user.passwordHash, password);
      await ctx.passwords.verifyNothing(password);
      return false;
    },

    async forgotPassword(input, context = {}) {
      const { email } = parseInput(forgotPasswordInputSchema, input);
      const user = await stores.users.findByEmail(email);
      const token = newSecret();
      const digest = digestSecret(token);
      const known = user !== undefined && user.status === 'active';
      const scope = known ? await passwordScope(stores, user.id) : { allowed: true, ssoOnlyIn: [] };
      // A new link replaces the earlier ones (an old email seen by someone else opens nothing); an unknown
      // email costs the same operations.
      await kv.deleteGroup(resetGroup(known && scope.allowed ? user.id : 'decoy'));
      if (known && scope.allowed) {
        await kv.set(resetKey(digest), { userId: user.id } satisfies ResetRecord, RESET_TOKEN_TTL_SECONDS, { groups: [resetGroup(user.id)] });
      } else {
        await kv.set(DECOY_KEY, { userId: '' } satisfies ResetRecord, 1);
      }
      await recordAudit(stores, { actor: 'anonymous', orgId: null, ...context }, 'account.password_reset_requested', {
        target: known ? `user:${user.id}` : null,
        outcome: known && scope.allowed ? 'success' : 'failure',
        details: !known ? { reason: 'unknown_account' } : scope.allowed ? {} : { reason: 'sso_only' },
      });
      if (!known) return undefined;
      return scope.allowed ? { token, email: user.email, name: user.name, ssoOnlyIn: [] } : { token: '', email: user.email, name: user.name, ssoOnlyIn: scope.ssoOnlyIn };
    },

    async resetPassword(input, context = {}) {
      const request = parseInput(resetPasswordInputSchema, input);
      if (!isSecretShaped(request.token)) throw invalidToken();
      const key = resetKey(digestSecret(request.token));
      const record = await kv.get<ResetRecord>(key);
      const user = record && await stores.users.find(record.userId);
      if (!user || user.status !== 'active') throw invalidToken();
      // The policy may have changed since the link was sent.
      if (!(await passwordScope(stores, user.id)).allowed) {
        throw new ForbiddenError('login_method_not_allowed', 'Your organization signs you in with single sign-on; a password cannot be set');
      }
      // Checked before the token is spent, so that a refused password can be corrected with the same link.
      assertPasswordPolicy(request.newPassword, 'newPassword', { email: user.email });
      if (!(await kv.consume<ResetRecord>(key))) throw invalidToken();
      await setPassword(user.id, request.newPassword, true);
      await recordAudit(stores, { actor: `user:${user.id}`, orgId: null, ...context }, 'account.password_reset', { target: `user:${user.id}` });
    },
  };
}
