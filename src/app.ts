import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import compose from 'koa-compose';
import type { Logger } from 'pino';
import type { KvStore } from './common/kv.ts';
import type { Config } from './config/schema.ts';
import type { Actor } from './directory/actor.ts';
import { createAccountMail } from './account/mail.ts';
import { createFormGuard } from './account/form-guard.ts';
import { createAccountRouter } from './account/router.ts';
import { createAccountSessions } from './account/session.ts';
import { createAccountSettingsRouter } from './account/settings-router.ts';
import { createRateLimits } from './abuse/index.ts';
import { createConnections } from './admin/connections/service.ts';
import { startMetadataRefresh } from './admin/connections/metadata-refresh.ts';
import { createAdminApi } from './admin/index.ts';
import { createAccessTokenActors } from './admin/authenticate.ts';
import { createConsoleRouter } from './admin/console/index.ts';
import { createInvitationDelivery } from './admin/invitation-delivery.ts';
import { fetchIdpMetadata } from './federation/saml/metadata-fetch.ts';
import { TEST_PREFIX } from './interaction/upstream-handoff.ts';
import type { Catalog } from './directory/catalog.ts';
import { createDirectory } from './directory/directory.ts';
import { createOrganizationSettings } from './directory/organization-settings.ts';
import { verifyPassword, verifyNothing } from './directory/passwords.ts';
import { accessLog } from './http/access-log.ts';
import { errorHandler } from './http/errors.ts';
import { createHealthRouter } from './http/health.ts';
import { requestId } from './http/request-id.ts';
import { securityHeaders } from './http/security-headers.ts';
import { staticAssets } from './http/static.ts';
import { createDemoRouter } from './demo/router.ts';
import { createOutboxRouter, type MailService } from './mail/index.ts';
import { createCsrf } from './interaction/csrf.ts';
import { createInteractionRouter } from './interaction/router.ts';
import { createGoogleSignIn } from './interaction/google-routes.ts';
import { GOOGLE_CALLBACK_PATH } from './interaction/google-routes.ts';
import { createGoogleConnector } from './federation/google/connector.ts';
import { createDomainVerification } from './directory/domain-verification.ts';
import { createDnsTxtResolver } from './directory/txt-resolver.ts';
import { createSamlRoutes } from './interaction/saml-routes.ts';
import { createSecondFactor } from './interaction/second-factor.ts';
import { createSessionPolicy } from './interaction/session-policy.ts';
import { createSso } from './interaction/sso.ts';
import { createUpstreamHandoff } from './interaction/upstream-handoff.ts';
import { createSamlConnector } from './federation/saml/connector.ts';
import { loadSpKeys } from './federation/saml/sp-keys.ts';
import { retryAfterOnLimit } from './http/rate-limit.ts';
import { createEmailOtp } from './mfa/index.ts';
import { createJourneyStates } from './interaction/state.ts';
import { createKvAdapterFactory } from './oidc/adapter.ts';
import { createFindAccount } from './oidc/claims.ts';
import { createClientAdapter } from './oidc/client-adapter.ts';
import { createGrantContexts } from './oidc/grant-context.ts';
import { createKeyService } from './oidc/keys.ts';
import { createProvider } from './oidc/provider.ts';
import { createProviderHolder, type ProviderHolder } from './oidc/provider-holder.ts';
import type { Stores } from './store/stores.ts';
import { withReadCache } from './store/cached.ts';
import { CookieSigner } from './http/cookie-signer.ts';
import { under } from './http/under.ts';
import { API_PREFIX } from './admin/openapi.ts';
import { requestCache, withRequestCache } from './store/request-cache.ts';
import { instrumentKv, instrumentOtp, instrumentRateLimits, instrumentSamlConnector, instrumentStores, metricsMiddleware, type Metrics } from './metrics/index.ts';

const STATIC_DIR = fileURLToPath(new URL('../views/static', import.meta.url));
const KEY_REFRESH_MS = 30_000;
const READ_CACHE_TTL_MS = 3_000;
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface AppDeps {
  config: Config;
  mail: MailService;
  logger: Logger;
  stores: Stores;
  kv: KvStore;
  catalog: Catalog;
  metrics: Metrics;
}

export interface BuiltApp {
  app: Koa;
  providers: ProviderHolder;
  /** Stops the periodic work (signing-key refresh, metadata refresh) so the process can exit. */
  stopBackground(): void;
}

/** The composition root: wiring only. */
export async function createApp(deps: AppDeps): Promise<BuiltApp> {
  const { config, logger, metrics } = deps;
  // Every store and KV call is timed (decorators over the ports): the latency histograms of /metrics.
  // Relying apps and organisations are read several times per sign-in and rarely change: a few seconds' cache;
  // and within one request, the same read is asked of the store once.
  const stores = withRequestCache(withReadCache(instrumentStores(deps.stores, metrics), READ_CACHE_TTL_MS));
  const kv = instrumentKv(deps.kv, metrics);
  // Behind N proxies only the last N X-Forwarded-For entries are theirs; the ones before are the client's word.
  const app = new Koa({ proxy: config.server.trustProxy, maxIpsCount: config.server.proxyHops });
  app.silent = true; // errors are logged by errorHandler, with the request id
  // oidc-provider's middleware runs in this app's context, so its signed cookies use this app's keys.
  const cookieSigner = new CookieSigner(config.secrets.cookieKeys);
  app.keys = cookieSigner;

  const keys = createKeyService({ keys: stores.signingKeys, encryptionSecret: config.secrets.keyEncryptionKey, logger });
  await keys.ensureKeys();
  const grantContexts = createGrantContexts(kv);
  const kvAdapter = createKvAdapterFactory(kv);
  const clientAdapter = createClientAdapter(stores.clients);
  const findAccount = createFindAccount({ stores, grantContexts, catalog: deps.catalog });
  const sessionPolicy = createSessionPolicy({ stores, grantContexts });
  const providers = await createProviderHolder({
    keys,
    intervalMs: KEY_REFRESH_MS,
    logger,
    build: async () => createProvider({
      issuer: config.server.publicUrl,
      jwks: await keys.jwks(),
      cookieSigner,
      adapter: (name: string) => (name === 'Client' ? clientAdapter : kvAdapter(name)),
      findAccount,
      trustProxy: config.server.trustProxy,
      logger,
      mustRevalidate: (ctx) => sessionPolicy.mustRevalidate(ctx),
    }),
  });

  const health = createHealthRouter({
    checks: { store: () => stores.ping(), kv: () => kv.ping() },
  });
  const csrf = createCsrf(config.secrets.cookieKeys[0]!);
  const limits = config.rateLimits;
  const rateLimits = instrumentRateLimits(createRateLimits({
    kv,
    policies: {
      'password-per-account': { points: limits.passwordPerAccount },
      'password-per-ip': { points: limits.passwordPerIp },
      'otp-check-per-account': { points: limits.otpChecksPerAccount },
      'forgot-password-per-email': { points: limits.forgotPasswordPerEmail },
      'forgot-password-per-ip': { points: limits.forgotPasswordPerIp },
      'saml-refused-per-ip': { points: limits.samlRefusedPerIp },
      'invitation-per-organization': { points: limits.invitationsPerOrganization },
    },
  }), metrics);
  const otp = instrumentOtp(createEmailOtp({ kv, mailer: deps.mail.mailer, codeKey: derivedKey(config.secrets.keyEncryptionKey, 'one-time codes') }), metrics);
  const directory = createDirectory({ stores, kv, catalog: deps.catalog });
  const accountMail = createAccountMail({ mailer: deps.mail.mailer, publicUrl: config.server.publicUrl, stores });
  const spKeys = await loadSpKeys({
    privateKeyFile: config.saml.spPrivateKeyFile, certificateFile: config.saml.spCertificateFile,
    development: config.environment === 'development', dataDir: resolve(config.dataDir),
  });
  const saml = instrumentSamlConnector(createSamlConnector({ kv, publicUrl: config.server.publicUrl, ...(spKeys ? { spKeys } : {}) }), metrics);
  const handoff = createUpstreamHandoff(kv);
  const unsafeUrls = config.saml.unsafeMetadataUrls;
  const fetchMetadata = (url: string) => fetchIdpMetadata(url, unsafeUrls ? { allowHttp: true, allowPrivateAddresses: true } : {});
  const connections = createConnections({ stores, catalog: deps.catalog, spEndpoints: (c) => saml.spEndpoints(c), fetchMetadata });
  const metadataRefresh = startMetadataRefresh({ stores, fetchMetadata, intervalMs: config.saml.metadataRefreshSeconds * 1000, logger });
  const domains = createDomainVerification({ stores, resolver: createDnsTxtResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeoutMs }) });
  const google = config.google.clientId ? createGoogleSignIn({
    google: createGoogleConnector({
      issuer: config.google.issuer, clientId: config.google.clientId, clientSecret: config.google.clientSecret,
      redirectUri: `${config.server.publicUrl}${GOOGLE_CALLBACK_PATH}`, kv, timeoutMs: config.google.timeoutMs,
    }),
    kv, handoff, audit: directory.audit,
  }) : undefined;
  const settings = createOrganizationSettings({ stores });
  const connectionDeps = {
    connections,
    async testSignInUrl(actor: Actor, connectionId: string) {
      const handle = await handoff.begin(`${TEST_PREFIX}${actor.id}`, connectionId);
      return `${config.server.publicUrl}/saml/${connectionId}/test/${handle}`;
    },
  };
  const auth = { provider: providers.current, grantContexts, clients: stores.clients };
  const admin = createAdminApi({
    directory,
    settings,
    catalog: deps.catalog,
    mail: accountMail,
    rateLimits,
    connections: connectionDeps,
    domains,
    auth,
    serverUrl: config.server.publicUrl,
    version: VERSION,
  });
  const adminConsole = createConsoleRouter({
    client: { issuer: config.server.publicUrl, clientId: config.console.clientId, clientSecret: config.console.clientSecret },
    kv,
    csrf,
    actorForAccessToken: createAccessTokenActors({ ...auth, buildActor: (input) => directory.access.buildActor(input) }),
    directory,
    settings,
    catalog: deps.catalog,
    connections: connectionDeps,
    invitations: createInvitationDelivery({ invitations: directory.invitations, mail: accountMail, rateLimits }),
    domains,
  });
  const guard = createFormGuard(csrf);
  const account = createAccountRouter({
    invitations: directory.invitations,
    account: directory.account,
    mail: accountMail,
    rateLimits,
    guard,
    logger,
  });
  const accountSettings = createAccountSettingsRouter({
    users: stores.users,
    account: directory.account,
    mfa: directory.mfa,
    otp,
    sessions: createAccountSessions(kv),
    rateLimits,
    mail: accountMail,
    passwords: { verify: verifyPassword, verifyNothing },
    guard,
    logger,
  });
  const samlRoutes = createSamlRoutes({ connections: stores.connections, groups: stores.groups, saml, handoff, audit: directory.audit, rateLimits, issuer: config.server.publicUrl });
  const interactions = createInteractionRouter({
    provider: providers.current,
    stores,
    states: createJourneyStates(kv),
    grantContexts,
    csrf,
    audit: directory.audit,
    secondFactor: createSecondFactor({ otp }),
    rateLimits,
    sso: createSso({ organizations: stores.organizations, connections: stores.connections, saml, handoff }),
    handoff,
    provisioning: directory.provisioning,
    sessionPolicy,
    notifyNewSignInMethod: (email, method) => {
      accountMail.sendSecurityNotice({ email, notice: { event: 'sign-in-method-added', method, at: new Date() } })
        .catch((error: unknown) => logger.error({ err: error }, 'new sign-in method notice not sent'));
    },
    signins: metrics.signins,
    ...(google ? { google } : {}),
    passwords: { verify: verifyPassword, verifyNothing },
  });

  app.use(requestId());
  app.use(requestCache());
  app.use(metricsMiddleware(metrics));
  app.use(accessLog(logger));
  app.use(securityHeaders());
  app.use(errorHandler(logger));
  app.use(retryAfterOnLimit());
  app.use(health.routes());
  app.use(staticAssets(STATIC_DIR));
  // Each router runs only for its own part of the path space: the provider's requests skip them all.
  app.use(under('/interaction', interactions.routes(), interactions.allowedMethods()));
  app.use(under('/saml', samlRoutes.routes()));
  if (google) app.use(under(GOOGLE_CALLBACK_PATH, google.router.routes()));
  app.use(under('/account', account.routes(), accountSettings.routes()));
  app.use(under(API_PREFIX, admin.routes(), admin.allowedMethods()));
  app.use(under('/console', adminConsole.routes()));
  if (config.environment === 'development') {
    app.use(under('/demo', createDemoRouter({ issuer: config.server.publicUrl, kv }).routes()));
    if (deps.mail.outbox) app.use(under('/dev/outbox', createOutboxRouter({ outbox: deps.mail.outbox }).routes()));
  }
  // oidc-provider is itself a Koa app; its middleware runs in our context, at the root (issuer = publicUrl).
  const composed = new WeakMap<object, Koa.Middleware>();
  app.use((ctx, next) => {
    const provider = providers.current();
    let middleware = composed.get(provider);
    if (!middleware) {
      middleware = compose(provider.middleware);
      composed.set(provider, middleware);
    }
    return middleware(ctx, next);
  });
  return {
    app,
    providers,
    stopBackground() {
      providers.stop();
      metadataRefresh.stop();
    },
  };
}

/** A key for one purpose, derived from a configured secret (HKDF-SHA-256, RFC 5869), so one secret serves several. */
function derivedKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'bridgekeeper', purpose, 32));
}
