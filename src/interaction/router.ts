import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { normalizeEmail } from '../common/normalize.ts';
import { createJourney, type InteractionDeps } from './journey.ts';
import { registerPasswordStep } from './password-step.ts';
import { registerSecondFactorStep } from './second-factor-step.ts';
import { registerUpstreamSteps } from './upstream-steps.ts';
import type { JourneyState } from './state.ts';

export type { InteractionDeps } from './journey.ts';

const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/*
 * /interaction/:uid — the sign-in pages, step by step (journey.ts has the shared steps):
 *   GET  /                 resume where the journey stands, or ask for the email
 *   POST /email            home realm discovery: straight to an SSO-only organisation's IdP, else the methods
 *   POST /password         password-step.ts
 *   POST /sso, /google; GET /upstream     upstream-steps.ts
 *   POST /otp, /otp/resend second-factor-step.ts
 *   POST /organization, /consent, /restart, /abort
 */
export function createInteractionRouter(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const journey = createJourney(deps);
  const { load, save, proceed, showLogin } = journey;
  const upstream = registerUpstreamSteps(router, journey, form);

  router.get('/', async (ctx) => {
    const loaded = await load(ctx, { post: false });
    // Reloading after the first factor resumes where the journey stands (the code step, the picker, ...).
    if (loaded.details.prompt.name === 'login' && !loaded.state.userId) {
      // An application that names a single-sign-on-only organisation (or whose login_hint's domain routes to
      // one) sends its users straight to the IdP, the hint passed on so that the IdP preselects the account.
      const hint = loaded.details.params.login_hint;
      if (await upstream.startSsoOnly(ctx, loaded.details, { ...(typeof hint === 'string' && EMAIL_PATTERN.test(hint) ? { email: hint } : {}), ...(loaded.state.orgId ? { orgId: loaded.state.orgId } : {}) })) return;
      return showLogin(ctx, loaded);
    }
    return proceed(ctx, loaded);
  });

  router.post('/email', form, async (ctx) => {
    const loaded = await load(ctx, { post: true });
    const email = String((ctx.request.body as Record<string, unknown>).email ?? '').trim();
    if (!EMAIL_PATTERN.test(email)) return showLogin(ctx, { ...loaded, state: {} }, 'email.invalid');
    // Another email is another account: nothing learnt about the previous one (factors passed, amr, organisation)
    // stays. The session's own account signing in again keeps the organisation it picked, which the session was
    // not enough for: that organisation's way in is the one to take.
    const { orgId } = loaded.state;
    const sessionUserId = loaded.details.session?.accountId;
    const sessionUser = orgId && sessionUserId ? await deps.stores.users.find(sessionUserId) : undefined;
    const again = sessionUser !== undefined && normalizeEmail(sessionUser.email) === normalizeEmail(email);
    const state: JourneyState = { email, ...(again ? { orgId } : {}) };
    await save(loaded.details.uid, state);
    if (await upstream.startSsoOnly(ctx, loaded.details, state)) return;
    return showLogin(ctx, { ...loaded, state });
  });

  registerPasswordStep(router, journey, form);
  registerSecondFactorStep(router, journey, form);

  router.post('/organization', form, async (ctx) => {
    const loaded = await load(ctx, { post: true });
    const orgId = String((ctx.request.body as Record<string, unknown>).organization ?? '');
    return proceed(ctx, { ...loaded, state: { ...loaded.state, orgId } });
  });

  router.post('/consent', form, async (ctx) => proceed(ctx, await load(ctx, { post: true }), true));

  router.post('/restart', form, async (ctx) => {
    const loaded = await load(ctx, { post: true });
    await deps.states.clear(loaded.details.uid);
    return showLogin(ctx, { ...loaded, state: {} });
  });

  router.post('/abort', form, async (ctx) => {
    const { details } = await load(ctx, { post: true });
    await deps.states.clear(details.uid);
    const redirectTo = await deps.provider().interactionResult(ctx.req, ctx.res, {
      error: 'access_denied', error_description: 'The user denied access.',
    }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(redirectTo);
  });

  return router;
}
