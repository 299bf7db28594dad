import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { AppError } from '../common/errors.ts';
import { holdsOwnerRole } from '../directory/access.ts';
import type { AuditService } from '../directory/audit.ts';
import type { Organization, User } from '../directory/model.ts';
import type { Stores } from '../store/stores.ts';
import type { GrantContexts } from '../oidc/grant-context.ts';
import { TOKEN_TTL } from '../oidc/provider.ts';
import { blockedPage, consentPage, emailPage, errorPage, organizationPage, passwordPage } from '../../views/signin.ts';
import type { RateLimits } from '../abuse/index.ts';
import { TooManyRequestsError } from '../common/too-many-requests.ts';
import type { Csrf } from './csrf.ts';
import type { FederatedProvisioning } from '../directory/federated-provisioning.ts';
import { ProvisioningRefusedError } from '../directory/federated-provisioning.ts';
import { parseMappingRules } from '../directory/mapping-rules.ts';
import type { Sso } from './sso.ts';
import type { UpstreamHandoff } from './upstream-handoff.ts';
import { secondFactorRequired, secondFactorSatisfied, withSecondFactor, type SecondFactor } from './second-factor.ts';
import { sendPage } from '../http/pages.ts';
import type { JourneyState, JourneyStates } from './state.ts';
import { chooseOrganization } from './organizations.ts';

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
  passwords: {
    verify(hash: string, plain: string): Promise<boolean>;
    /** Spends the same work as a verification, for unknown accounts (no timing oracle). */
    verifyNothing(plain: string): Promise<void>;
  };
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

const SIGN_IN_FAILED = 'The email address or password is incorrect.';
const TOO_MANY_ATTEMPTS = 'Too many sign-in attempts. Wait a few minutes and try again.';
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/*
 * The sign-in journey (DESIGN.md): email -> password -> organisation -> one-time code (when the organisation or
 * the user wants it) -> consent -> back to oidc-provider.
 * - every step re-reads the interaction from its signed cookie and checks the CSRF token on POST
 * - unknown email and wrong password answer identically, after the same password-hash work; attempts are
 *   limited per address and per email before any lookup
 * - the organisation is one of the user's active memberships, allowed for the client and matching the
 *   `organization` parameter when given; several candidates -> the user picks
 * - first-party clients skip consent; the grant is created here with the requested scopes, and the chosen
 *   organisation is stored beside it for the claims
 */
export function createInteractionRouter(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  async function load(ctx: Context, { post }: { post: boolean }): Promise<{ details: Details; state: JourneyState; clientName: string; firstParty: boolean }> {
    const details = await deps.provider().interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params.uid) throw new AppError(400, 'interaction_mismatch', 'This sign-in page is out of date.');
    if (post && !deps.csrf.verify(details.uid, (ctx.request.body as Record<string, unknown> | undefined)?.csrf)) {
      throw new AppError(403, 'csrf', 'The form has expired. Please start again.');
    }
    const clientId = String(details.params.client_id);
    const client = await deps.stores.clients.find(clientId);
    if (!client) throw new AppError(400, 'unknown_client', 'The application is not registered.');
    const state = await deps.states.get(details.uid);
    return { details, state, clientName: client.name, firstParty: client.firstParty };
  }

  const urls = (uid: string) => ({
    email: `/interaction/${uid}/email`,
    password: `/interaction/${uid}/password`,
    organization: `/interaction/${uid}/organization`,
    consent: `/interaction/${uid}/consent`,
    otp: `/interaction/${uid}/otp`,
    otpResend: `/interaction/${uid}/otp/resend`,
    sso: `/interaction/${uid}/sso`,
    abort: `/interaction/${uid}/abort`,
    restart: `/interaction/${uid}/restart`,
  });

  async function save(uid: string, state: JourneyState): Promise<void> {
    await deps.states.save(uid, state, TOKEN_TTL.Interaction);
  }

  /* After a first factor (or with an existing session): organisation, consent, then the grant. */
  async function proceed(ctx: Context, details: Details, state: JourneyState, clientName: string, firstParty: boolean, consented = false) {
    const userId = currentUserId(details, state);
    if (!userId) return showLogin(ctx, details, state, clientName);
    const u = urls(details.uid);
    const choice = await chooseOrganization(deps.stores, {
      userId,
      clientId: String(details.params.client_id),
      requested: typeof details.params.organization === 'string' ? details.params.organization : undefined,
      chosen: state.orgId,
    });
    if (choice.kind === 'none') {
      return sendPage(ctx, errorPage({
        title: 'No access',
        message: 'Your account is not a member of an organization that may use this application.',
        requestId: ctx.state.requestId,
      }), 403);
    }
    if (choice.kind === 'pick') {
      return sendPage(ctx, organizationPage({
        action: u.organization, csrf: deps.csrf.tokenFor(details.uid), clientName, organizations: choice.organizations,
      }));
    }
    if (details.prompt.name === 'login') {
      const blocked = await methodRefused(choice.organization, userId, state);
      if (blocked) return sendPage(ctx, blockedPage(blocked), 403);
    }
    const user = await deps.stores.users.get(userId);
    if (secondFactorRequired(choice.organization, user) && !secondFactorSatisfied(state, details.session?.amr)) {
      const next: JourneyState = { ...state, orgId: choice.organization.id };
      const refused = state.otpSent ? undefined : await deps.secondFactor.send(details.uid, user);
      if (!state.otpSent && !refused) next.otpSent = true;
      await save(details.uid, next);
      return showOtp(ctx, details, clientName, user.email, { error: refused });
    }
    if (!firstParty && !consented) {
      await save(details.uid, { ...state, orgId: choice.organization.id });
      return sendPage(ctx, consentPage({
        action: u.consent, abort: u.abort, csrf: deps.csrf.tokenFor(details.uid), clientName,
        scopes: requestedScopes(details), organization: choice.organization.name,
      }));
    }
    const provider = deps.provider();
    const grant = new provider.Grant({ accountId: userId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(requestedScopes(details).join(' '));
    const claims = requestedClaims(details);
    if (claims.length > 0) grant.addOIDCClaims(claims);
    const grantId = await grant.save();
    await deps.grantContexts.save(grantId, { orgId: choice.organization.id }, TOKEN_TTL.Grant);
    await deps.states.clear(details.uid);

    const result: InteractionResults = { consent: { grantId } };
    const steppedUp = details.prompt.name !== 'login' && state.otpVerified === true;
    if (details.prompt.name === 'login' || steppedUp) {
      // A second factor passed on top of an existing session renews the login with the stronger amr.
      const amr = steppedUp ? withSecondFactor(details.session?.amr ?? []) : state.amr ?? ['pwd'];
      const acr = amr.includes('otp') ? 'urn:bridgekeeper:loa:2' : 'urn:bridgekeeper:loa:1';
      result.login = { accountId: userId, amr, acr, ts: state.authTime ?? Math.floor(Date.now() / 1000), remember: true };
    }
    const redirectTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    if (result.login) {
      await deps.audit.record(source(ctx, `user:${userId}`, choice.organization.id), 'signin.succeeded', {
        target: `user:${userId}`, details: { method: state.method ?? 'password', amr: result.login.amr, clientId: details.params.client_id },
      });
    }
    ctx.status = 303;
    ctx.redirect(redirectTo);
  }

  /*
   * The first factor must be one the chosen organisation allows this member (seeds: "Access blocked"): the
   * organisation's methods, narrowed by the member's own login types; an IdP's sign-in counts only for the
   * organisation of its connection.
   */
  async function methodRefused(org: Organization, userId: string, state: JourneyState): Promise<{ organization: string; allowed: string[] } | undefined> {
    const method = state.method ?? 'password';
    const membership = await deps.stores.memberships.findFor(org.id, userId);
    const own = membership?.loginMethods ?? [];
    const allowed = org.loginPolicy.methods.filter((m) => own.length === 0 || own.includes(m));
    // Break-glass: owners keep their password while the organisation enforces SSO, if it chose so.
    if (org.loginPolicy.ownerPasswordFallback && membership && holdsOwnerRole(membership.roles) && !allowed.includes('password')) allowed.push('password');
    const federatedElsewhere = method !== 'password' && state.orgId !== org.id;
    return allowed.includes(method) && !federatedElsewhere ? undefined : { organization: org.name, allowed: allowed.map(methodLabel) };
  }

  /** Sends the browser to the IdP when the organisation found for this sign-in allows nothing but SSO. */
  async function startSsoOnly(ctx: Context, details: Details, email: string | undefined): Promise<boolean> {
    const org = await deps.sso.homeOrganization(details.params.organization, email);
    if (!org || !deps.sso.ssoOnly(org)) return false;
    const connection = await deps.sso.connectionOf(org);
    if (!connection) return false;
    await deps.sso.start(ctx, details.uid, connection, { forceAuthn: details.params.prompt === 'login' });
    return true;
  }

  const source = (ctx: Context, actor: string, orgId: string | null) => ({ actor, orgId, requestId: ctx.state.requestId as string, ip: ctx.ip });

  /* A failed first factor is recorded in each organisation the account belongs to: those are the admins who care. */
  async function recordFailure(ctx: Context, user: User | undefined, reason: string, clientId: unknown, method = 'password'): Promise<void> {
    const memberships = user ? (await deps.stores.memberships.list({ where: { userId: user.id }, limit: 100 })).items : [];
    const orgIds = memberships.length > 0 ? memberships.map((m) => m.orgId) : [null];
    for (const orgId of orgIds) {
      await deps.audit.record(source(ctx, 'anonymous', orgId), 'signin.failed', {
        target: user ? `user:${user.id}` : null, outcome: 'failure', details: { method, reason, clientId },
      });
    }
  }

  function showOtp(ctx: Context, details: Details, clientName: string, email: string, outcome: { error?: unknown; notice?: string } = {}) {
    const u = urls(details.uid);
    return deps.secondFactor.show(ctx, {
      csrf: deps.csrf.tokenFor(details.uid), clientName, email, urls: { action: u.otp, resend: u.otpResend, restart: u.restart },
    }, outcome);
  }

  /** Where the journey is in the second factor: the user it is for, or undefined when no code is under way. */
  async function otpUser(details: Details, state: JourneyState): Promise<User | undefined> {
    const userId = currentUserId(details, state);
    if (!userId || !state.otpSent) return undefined;
    return deps.stores.users.find(userId);
  }

  async function showLogin(ctx: Context, details: Details, state: JourneyState, clientName: string, error?: string, status?: number) {
    const u = urls(details.uid);
    const csrf = deps.csrf.tokenFor(details.uid);
    if (!state.email) {
      const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
      return sendPage(ctx, emailPage({ action: u.email, csrf, clientName, email: hint, error }), error ? 400 : 200);
    }
    const home = await deps.sso.homeOrganization(details.params.organization, state.email);
    const sso = home && await deps.sso.connectionOf(home) ? { action: u.sso, organization: home.name } : undefined;
    return sendPage(ctx, passwordPage({
      action: u.password, restart: u.restart, csrf, clientName, email: state.email, organization: 'your organization', error,
      ...(sso ? { sso } : {}),
    }), status ?? (error ? 401 : 200));
  }

  router.get('/', async (ctx) => {
    const { details, state, clientName, firstParty } = await load(ctx, { post: false });
    // Reloading after the first factor resumes where the journey stands (the code step, the picker, ...).
    if (details.prompt.name === 'login' && !state.userId) {
      // An application that names a single-sign-on-only organisation sends its users straight to the IdP.
      if (await startSsoOnly(ctx, details, undefined)) return;
      return showLogin(ctx, details, state, clientName);
    }
    return proceed(ctx, details, state, clientName, firstParty);
  });

  router.post('/email', form, async (ctx) => {
    const { details, state, clientName } = await load(ctx, { post: true });
    const email = String((ctx.request.body as Record<string, unknown>).email ?? '').trim();
    if (!EMAIL_PATTERN.test(email)) return showLogin(ctx, details, {}, clientName, 'Enter a valid email address.');
    const next = { ...state, email, userId: undefined, orgId: undefined };
    await save(details.uid, next);
    if (await startSsoOnly(ctx, details, email)) return;
    return showLogin(ctx, details, next, clientName);
  });

  router.post('/sso', form, async (ctx) => {
    const { details, state } = await load(ctx, { post: true });
    const org = await deps.sso.homeOrganization(details.params.organization, state.email);
    const connection = await deps.sso.connectionOf(org);
    if (!connection) throw new AppError(400, 'sso_unavailable', 'Single sign-on is not available for this organization.');
    await deps.sso.start(ctx, details.uid, connection, { forceAuthn: details.prompt.name === 'login' && details.params.prompt === 'login' });
  });

  router.get('/upstream', async (ctx) => {
    const { details, state, clientName, firstParty } = await load(ctx, { post: false });
    const identity = await deps.handoff.take(String(ctx.query.handle ?? ''), details.uid);
    if (!identity) throw new AppError(400, 'upstream_result_missing', 'This sign-in has expired or was already used. Please start again.');
    const connection = await deps.stores.connections.find(identity.connectionId);
    const org = connection && await deps.stores.organizations.find(connection.orgId);
    if (!connection?.enabled || !org || !org.loginPolicy.methods.includes(identity.protocol)) {
      throw new AppError(403, 'sso_unavailable', 'Single sign-on is not available for this organization.');
    }
    const source = { actor: 'anonymous', orgId: org.id, requestId: ctx.state.requestId as string, ip: ctx.ip };
    let provisioned;
    try {
      provisioned = await deps.provisioning.provision(org, identity, {
        jit: connection.jit, rules: parseMappingRules((connection.mapping as { rules?: unknown }).rules),
      }, source);
    } catch (error) {
      if (!(error instanceof ProvisioningRefusedError)) throw error;
      await deps.audit.record(source, 'signin.failed', { outcome: 'failure', target: `connection:${connection.id}`, details: { method: identity.protocol, reason: error.reason, detail: error.message } });
      return sendPage(ctx, errorPage({ title: 'No access', message: `Your account cannot sign in to ${org.name} this way. Ask your administrator, quoting this reference.`, requestId: ctx.state.requestId }), 403);
    }
    const next: JourneyState = {
      ...state, email: provisioned.user.email, userId: provisioned.user.id, orgId: org.id, method: identity.protocol,
      amr: ['fed'], authTime: Math.floor(Date.now() / 1000), otpSent: false, otpVerified: false,
    };
    await save(details.uid, next);
    await deps.stores.users.update(provisioned.user.id, { lastLoginAt: new Date().toISOString() });
    return proceed(ctx, details, next, clientName, firstParty);
  });

  router.post('/password', form, async (ctx) => {
    const { details, state, clientName, firstParty } = await load(ctx, { post: true });
    if (!state.email) return showLogin(ctx, details, state, clientName);
    const password = String((ctx.request.body as Record<string, unknown>).password ?? '');
    try {
      await deps.rateLimits.consume('password-per-ip', ctx.ip);
      await deps.rateLimits.consume('password-per-account', state.email);
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      ctx.set('Retry-After', String(error.retryAfterSeconds));
      return showLogin(ctx, details, state, clientName, TOO_MANY_ATTEMPTS, 429);
    }
    const user = await deps.stores.users.findByEmail(state.email);
    const ok = user?.passwordHash && user.status === 'active'
      ? await deps.passwords.verify(user.passwordHash, password)
      : (await deps.passwords.verifyNothing(password), false);
    if (!ok || !user) {
      const reason = !user ? 'unknown_account' : user.status !== 'active' ? 'account_disabled' : user.passwordHash ? 'invalid_password' : 'no_password';
      await recordFailure(ctx, user, reason, details.params.client_id);
      return showLogin(ctx, details, state, clientName, SIGN_IN_FAILED);
    }
    const next: JourneyState = { ...state, userId: user.id, amr: ['pwd'], method: 'password', authTime: Math.floor(Date.now() / 1000) };
    await save(details.uid, next);
    await deps.stores.users.update(user.id, { lastLoginAt: new Date().toISOString() });
    await deps.rateLimits.reset('password-per-account', state.email);
    return proceed(ctx, details, next, clientName, firstParty);
  });

  router.post('/otp', form, async (ctx) => {
    const { details, state, clientName, firstParty } = await load(ctx, { post: true });
    const user = await otpUser(details, state);
    if (!user) return proceed(ctx, details, state, clientName, firstParty);
    try {
      await deps.rateLimits.consume('otp-check-per-account', user.id);
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      return showOtp(ctx, details, clientName, user.email, { error });
    }
    const code = String((ctx.request.body as Record<string, unknown>).code ?? '');
    const outcome = await deps.secondFactor.verify(details.uid, user.id, code);
    if (outcome !== 'ok') {
      await recordFailure(ctx, user, outcome.code, details.params.client_id, 'otp');
      return showOtp(ctx, details, clientName, user.email, { error: outcome });
    }
    const next: JourneyState = { ...state, amr: withSecondFactor(state.amr ?? []), otpSent: false, otpVerified: true };
    await save(details.uid, next);
    return proceed(ctx, details, next, clientName, firstParty);
  });

  router.post('/otp/resend', form, async (ctx) => {
    const { details, state, clientName, firstParty } = await load(ctx, { post: true });
    const user = await otpUser(details, state);
    if (!user) return proceed(ctx, details, state, clientName, firstParty);
    const refused = await deps.secondFactor.send(details.uid, user);
    return showOtp(ctx, details, clientName, user.email, refused ? { error: refused } : { notice: 'A new code is on its way. Earlier codes no longer work.' });
  });

  router.post('/organization', form, async (ctx) => {
    const { details, state, clientName, firstParty } = await load(ctx, { post: true });
    const orgId = String((ctx.request.body as Record<string, unknown>).organization ?? '');
    return proceed(ctx, details, { ...state, orgId }, clientName, firstParty);
  });

  router.post('/consent', form, async (ctx) => {
    const { details, state, clientName, firstParty } = await load(ctx, { post: true });
    return proceed(ctx, details, state, clientName, firstParty, true);
  });

  router.post('/restart', form, async (ctx) => {
    const { details, clientName } = await load(ctx, { post: true });
    await deps.states.clear(details.uid);
    return showLogin(ctx, details, {}, clientName);
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

function methodLabel(method: string): string {
  return method === 'saml' ? 'single sign-on' : method === 'google' ? 'Google' : 'password';
}

/** The user of this journey: the one who passed the first factor now, or the session's for a consent-only prompt. */
function currentUserId(details: Details, state: JourneyState): string | undefined {
  return details.prompt.name === 'login' ? state.userId : details.session?.accountId;
}

function requestedScopes(details: Details): string[] {
  return String(details.params.scope ?? 'openid').split(' ').filter(Boolean);
}

/** Individual claims asked for with the `claims` parameter (OIDC Core 5.5). */
function requestedClaims(details: Details): string[] {
  if (typeof details.params.claims !== 'string') return [];
  try {
    const parsed = JSON.parse(details.params.claims) as Record<string, Record<string, unknown> | undefined>;
    return [...new Set([...Object.keys(parsed.id_token ?? {}), ...Object.keys(parsed.userinfo ?? {})])];
  } catch {
    return [];
  }
}
