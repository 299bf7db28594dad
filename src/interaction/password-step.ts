import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { TooManyRequestsError } from '../common/too-many-requests.ts';
import { noteLastLogin } from './last-login.ts';
import type { Journey } from './journey.ts';
import type { JourneyState } from './state.ts';


/*
 * POST /password:
 * - limited per client address and per email before any lookup, alike for accounts that exist and not
 * - unknown email and wrong password answer identically, after the same password-hash work
 * - a failure is audited in each organisation of the account; a success resets the account's counter
 */
export function registerPasswordStep(router: Router, journey: Journey, form: Middleware): void {
  const { deps, load, save, proceed, showLogin, recordFailure } = journey;

  router.post('/password', form, async (ctx) => {
    const loaded = await load(ctx, { post: true });
    const { details, state } = loaded;
    if (!state.email) return showLogin(ctx, loaded);
    const password = String((ctx.request.body as Record<string, unknown>).password ?? '');
    try {
      await deps.rateLimits.consume('password-per-ip', ctx.ip);
      await deps.rateLimits.consume('password-per-account', state.email);
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      ctx.set('Retry-After', String(error.retryAfterSeconds));
      return showLogin(ctx, loaded, 'password.tooMany', 429);
    }
    const user = await deps.stores.users.findByEmail(state.email);
    const ok = user?.passwordHash && user.status === 'active'
      ? await deps.passwords.verify(user.passwordHash, password)
      : (await deps.passwords.verifyNothing(password), false);
    if (!ok || !user) {
      const reason = !user ? 'unknown_account' : user.status !== 'active' ? 'account_disabled' : user.passwordHash ? 'invalid_password' : 'no_password';
      await recordFailure(ctx, user, reason, details.params.client_id);
      return showLogin(ctx, loaded, 'password.failed');
    }
    // A first factor starts what the journey knows of the account anew (an earlier factor or IdP answer in this
    // interaction, its code included, counts no more).
    const next: JourneyState = { email: state.email, userId: user.id, amr: ['pwd'], method: 'password', authTime: Math.floor(Date.now() / 1000) };
    await save(details.uid, next);
    noteLastLogin(deps.stores.users, user);
    await deps.rateLimits.reset('password-per-account', state.email);
    return proceed(ctx, { ...loaded, state: next });
  });
}
