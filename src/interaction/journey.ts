import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { RateLimits } from '../abuse/index.ts';
import { AppError } from '../common/errors.ts';
import type { AuditService } from '../directory/audit.ts';
import type { FederatedProvisioning } from '../directory/federated-provisioning.ts';
import type { Organization, User } from '../directory/model.ts';
import { sendPage } from '../http/pages.ts';
import type { GrantContexts, GrantLogin } from '../oidc/grant-context.ts';
import { TOKEN_TTL } from '../oidc/provider.ts';
import type { Stores } from '../store/stores.ts';
import { blockedPage, consentPage, emailPage, errorPage, organizationPage, otpOfferPage, passwordPage } from '../../views/signin.ts';
import { signinText, type SigninMessageId } from '../../views/messages/signin.ts';
import { localeOf } from '../i18n/locale.ts';
import type { Csrf } from './csrf.ts';
import { finishInteraction, requestedScopes, type Details } from './grant.ts';
import { refusedMethod } from './method-policy.ts';
import type { SessionPolicy } from './session-policy.ts';
import { chooseOrganization } from './organizations.ts';
import { secondFactorRequired, secondFactorSatisfied, type SecondFactor } from './second-factor.ts';
import type { Sso } from './sso.ts';
import type { JourneyState, JourneyStates } from './state.ts';
import type { UpstreamHandoff } from './upstream-handoff.ts';

export interface InteractionDeps {
  /** The provider serving now (it is rebuilt when signing keys rotate). */
  provider: () => Provider;
  stores: Stores;
  states: JourneyStates;
  grantContexts: GrantContexts;
  csrf: Csrf;
  audit: Pick<AuditService, 'record'>;
  secondFactor: SecondFactor;
  rateLimits: RateLimits;
  sso: Sso;
  handoff: UpstreamHandoff;
  provisioning: FederatedProvisioning;
  sessionPolicy: Pick<SessionPolicy, 'serves'>;
  /** Tells an account's owner that it got a new way in (an IdP linked to it); delivery failures are logged, not raised. */
  notifyNewSignInMethod?: (email: string, method: string) => void;
  /** Counts sign-ins by method and outcome (metrics). */
  signins?: { inc(labels: { method: string; outcome: 'success' | 'failure' }): void };
  /** Google sign-in, when Bridgekeeper has a Google client configured. */
  google?: { start(ctx: Context, uid: string, org: Organization | undefined, loginHint: string | undefined): Promise<void> };
  passwords: {
    verify(hash: string, plain: string): Promise<boolean>;
    /** Spends the same work as a verification, for unknown accounts (no timing oracle). */
    verifyNothing(plain: string): Promise<void>;
  };
}

export interface Loaded {
  details: Details;
  state: JourneyState;
  clientName: string;
  firstParty: boolean;
}

/*
 * The sign-in journey's shared steps (DESIGN.md): email -> first factor (password, SSO, Google) ->
 * organisation -> one-time code (when the organisation or the user wants it) -> consent -> oidc-provider.
 * - every step re-reads the interaction from its signed cookie and checks the CSRF token on POST
 * - `proceed` is where every step goes next: it re-checks everything from the stored state (organisation,
 *   login method, second factor, consent), so no step can be skipped by posting to a later one
 * - first-party clients skip consent
 */
export function createJourney(deps: InteractionDeps) {
  async function load(ctx: Context, { post }: { post: boolean }): Promise<Loaded> {
    // The journey's state is read beside the interaction, under the uid of the URL; it is used only when the
    // interaction turns out to be that one.
    const stateRead = deps.states.get(String(ctx.params.uid));
    stateRead.catch(() => undefined);
    const details = await deps.provider().interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params.uid) throw new AppError(400, 'interaction_mismatch', 'This sign-in page is out of date.');
    if (post && !deps.csrf.verify(details.uid, (ctx.request.body as Record<string, unknown> | undefined)?.csrf)) {
      throw new AppError(403, 'csrf', 'The form has expired. Please start again.');
    }
    const client = await deps.stores.clients.find(String(details.params.client_id));
    if (!client) throw new AppError(400, 'unknown_client', 'The application is not registered.');
    return { details, state: await stateRead, clientName: client.name, firstParty: client.firstParty };
  }

  const urls = (uid: string) => {
    const at = (step: string) => `/interaction/${uid}/${step}`;
    return {
      email: at('email'), password: at('password'), organization: at('organization'), consent: at('consent'),
      otp: at('otp'), otpResend: at('otp/resend'), sso: at('sso'), google: at('google'), abort: at('abort'), restart: at('restart'),
    };
  };

  const save = (uid: string, state: JourneyState) => deps.states.save(uid, state, TOKEN_TTL.Interaction);
  const source = (ctx: Context, actor: string, orgId: string | null) => ({ actor, orgId, requestId: ctx.state.requestId as string, ip: ctx.ip });

  /** The user of this journey: the one who passed a first factor in it, else the session's for a consent-only prompt. */
  const currentUserId = (details: Details, state: JourneyState) => state.userId ?? (details.prompt.name === 'login' ? undefined : details.session?.accountId);

  function showOtp(ctx: Context, { details, clientName }: Pick<Loaded, 'details' | 'clientName'>, email: string, outcome: { error?: unknown; noticeId?: SigninMessageId } = {}) {
    const u = urls(details.uid);
    return deps.secondFactor.show(ctx, {
      csrf: deps.csrf.tokenFor(details.uid), clientName, email, urls: { action: u.otp, resend: u.otpResend, restart: u.restart }, locale: localeOf(ctx),
    }, outcome);
  }

  async function showLogin(ctx: Context, { details, state, clientName }: Omit<Loaded, 'firstParty'>, errorId?: SigninMessageId, status?: number) {
    const u = urls(details.uid);
    const locale = localeOf(ctx);
    const error = errorId ? signinText(locale)(errorId) : undefined;
    const csrf = deps.csrf.tokenFor(details.uid);
    const google = deps.google ? { action: u.google } : undefined;
    if (!state.email) {
      const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
      return sendPage(ctx, emailPage({ action: u.email, csrf, clientName, email: hint, error, locale, ...(google ? { google } : {}) }), error ? 400 : 200);
    }
    const home = await deps.sso.homeOrganization(details.params.organization, state);
    const sso = home && await deps.sso.connectionOf(home) ? { action: u.sso, organization: home.name } : undefined;
    return sendPage(ctx, passwordPage({
      action: u.password, restart: u.restart, csrf, clientName, email: state.email, organization: 'your organization', error, locale,
      ...(sso ? { sso } : {}), ...(google && (!home || home.loginPolicy.methods.includes('google')) ? { google } : {}),
    }), status ?? (error ? 401 : 200));
  }

  /* A failed first factor is recorded in each organisation the account belongs to: those are the admins who care. */
  async function recordFailure(ctx: Context, user: User | undefined, reason: string, clientId: unknown, method = 'password'): Promise<void> {
    const memberships = user ? (await deps.stores.memberships.list({ where: { userId: user.id }, limit: 100 })).items : [];
    const orgIds = memberships.length > 0 ? memberships.map((m) => m.orgId) : [null];
    deps.signins?.inc({ method, outcome: 'failure' });
    for (const orgId of orgIds) {
      await deps.audit.record(source(ctx, 'anonymous', orgId), 'signin.failed', {
        target: user ? `user:${user.id}` : null, outcome: 'failure', details: { method, reason, clientId },
      });
    }
  }

  /* After a first factor (or with an existing session): organisation, login policy, code, consent, then the grant. */
  async function proceed(ctx: Context, loaded: Loaded, consented = false): Promise<void> {
    const { details, state, clientName, firstParty } = loaded;
    const userId = currentUserId(details, state);
    if (!userId) return showLogin(ctx, loaded);
    const u = urls(details.uid);
    const locale = localeOf(ctx);
    const t = signinText(locale);
    const choice = await chooseOrganization(deps.stores, {
      userId,
      clientId: String(details.params.client_id),
      requested: typeof details.params.organization === 'string' ? details.params.organization : undefined,
      chosen: state.orgId,
    });
    if (choice.kind === 'none') {
      return sendPage(ctx, errorPage({ title: t('noAccess.title'), message: t('noAccess.member'), requestId: ctx.state.requestId, locale }), 403);
    }
    // After a first factor in this interaction, only organisations that accept it are offered: the others would block.
    const candidates = choice.kind === 'pick' ? choice.organizations : [choice.organization];
    const refusals = state.userId ? await Promise.all(candidates.map((org) => refusedMethod(deps.stores.memberships, org, userId, state))) : [];
    const accepted = candidates.filter((_, i) => !refusals[i]);
    const refusal = refusals.find((r) => r !== undefined);
    if (accepted.length === 0 && refusal) return sendPage(ctx, blockedPage({ ...refusal, locale }), 403);
    if (accepted.length > 1) {
      return sendPage(ctx, organizationPage({ action: u.organization, csrf: deps.csrf.tokenFor(details.uid), clientName, organizations: accepted, locale }));
    }
    const org = accepted[0]!;
    // Without a first factor in this interaction, the grant is made under the session's login.
    let sessionLogin: GrantLogin | undefined;
    if (!state.userId) {
      const session = await deps.provider().Session.get(ctx);
      const served = await deps.sessionPolicy.serves(org, userId, session);
      if (!served) {
        // The existing session was made in a way this organisation does not accept: sign in again, its way.
        await save(details.uid, { orgId: org.id });
        return showLogin(ctx, { ...loaded, state: { orgId: org.id } });
      }
      sessionLogin = served.login;
    }
    const user = await deps.stores.users.get(userId);
    if (secondFactorRequired(org, user) && !secondFactorSatisfied(state, userId, details.session)) {
      const next: JourneyState = { ...state, orgId: org.id };
      if (!state.otpSent && !state.userId && ctx.method !== 'POST') {
        // On top of an existing session the code is mailed when the person asks for it: any site can make a
        // browser open a link, and mails sent that way would use up the account's allowance.
        await save(details.uid, next);
        return sendPage(ctx, otpOfferPage({
          csrf: deps.csrf.tokenFor(details.uid), clientName, email: user.email, organization: org.name, action: u.otpResend, restart: u.restart, locale,
        }));
      }
      const refused = state.otpSent ? undefined : await deps.secondFactor.send(details.uid, user);
      if (!state.otpSent && !refused) next.otpSent = true;
      await save(details.uid, next);
      return showOtp(ctx, loaded, user.email, { error: refused });
    }
    if (!firstParty && !consented) {
      await save(details.uid, { ...state, orgId: org.id });
      return sendPage(ctx, consentPage({
        action: u.consent, abort: u.abort, csrf: deps.csrf.tokenFor(details.uid), clientName, scopes: requestedScopes(details), organization: org.name, locale,
      }));
    }
    const finished = await finishInteraction(ctx, { provider: deps.provider(), grantContexts: deps.grantContexts }, { details, state, userId, orgId: org.id, ...(sessionLogin ? { sessionLogin } : {}) });
    if (finished.login) deps.signins?.inc({ method: finished.login.method, outcome: 'success' });
    await Promise.all([
      deps.states.clear(details.uid),
      finished.login && deps.audit.record(source(ctx, `user:${userId}`, org.id), 'signin.succeeded', {
        target: `user:${userId}`, details: { method: finished.login.method, amr: finished.login.amr, clientId: details.params.client_id },
      }),
    ]);
    ctx.status = 303;
    ctx.redirect(finished.redirectTo);
  }

  return { deps, load, save, urls, source, currentUserId, showOtp, showLogin, recordFailure, proceed };
}

export type Journey = ReturnType<typeof createJourney>;
