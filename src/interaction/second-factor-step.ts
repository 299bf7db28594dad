import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { TooManyRequestsError } from '../common/too-many-requests.ts';
import type { User } from '../directory/model.ts';
import type { Journey, Loaded } from './journey.ts';
import { withSecondFactor } from './second-factor.ts';
import type { JourneyState } from './state.ts';

/*
 * POST /otp and /otp/resend, once proceed() has mailed a code: checks are limited per account on top of the
 * code's own attempt budget; a wrong code is audited like a failed sign-in. Without a code under way, both
 * go back to proceed(), which decides what is due.
 */
export function registerSecondFactorStep(router: Router, journey: Journey, form: Middleware): void {
  const { deps, load, save, proceed, showOtp, recordFailure, currentUserId } = journey;

  async function otpUser({ details, state }: Loaded): Promise<User | undefined> {
    const userId = currentUserId(details, state);
    return userId && state.otpSent ? deps.stores.users.find(userId) : undefined;
  }

  router.post('/otp', form, async (ctx) => {
    const loaded = await load(ctx, { post: true });
    const user = await otpUser(loaded);
    if (!user) return proceed(ctx, loaded);
    try {
      await deps.rateLimits.consume('otp-check-per-account', user.id);
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      return showOtp(ctx, loaded, user.email, { error });
    }
    const code = String((ctx.request.body as Record<string, unknown>).code ?? '');
    const outcome = await deps.secondFactor.verify(loaded.details.uid, user.id, code);
    if (outcome !== 'ok') {
      await recordFailure(ctx, user, outcome.code, loaded.details.params.client_id, 'otp');
      return showOtp(ctx, loaded, user.email, { error: outcome });
    }
    const state: JourneyState = { ...loaded.state, amr: withSecondFactor(loaded.state.amr ?? []), otpSent: false, otpVerifiedFor: user.id };
    await save(loaded.details.uid, state);
    return proceed(ctx, { ...loaded, state });
  });

  router.post('/otp/resend', form, async (ctx) => {
    const loaded = await load(ctx, { post: true });
    const user = await otpUser(loaded);
    if (!user) return proceed(ctx, loaded);
    const refused = await deps.secondFactor.send(loaded.details.uid, user);
    return showOtp(ctx, loaded, user.email, refused ? { error: refused } : { noticeId: 'otp.resent' });
  });
}
