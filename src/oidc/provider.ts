import { UnavailableError } from '../common/errors.ts';
import { localeOf } from '../i18n/locale.ts';
import type { CookieSigner } from '../http/cookie-signer.ts';
import type { Logger } from 'pino';
import Provider, { interactionPolicy, type Adapter, type AdapterFactory, type Configuration, type FindAccount, type JWKS, type KoaContextWithOIDC } from 'oidc-provider';
import { errorPage, loggedOutPage, logoutPage } from '../../views/signin.ts';
import { SCOPE_CLAIMS } from './claims.ts';
import { clientSecretMatches } from './clients.ts';

export const TOKEN_TTL = {
  AccessToken: 10 * 60,
  AuthorizationCode: 60,
  IdToken: 60 * 60,
  RefreshToken: 14 * 24 * 60 * 60,
  Interaction: 30 * 60,
  Session: 14 * 24 * 60 * 60,
  Grant: 14 * 24 * 60 * 60,
  ClientCredentials: 10 * 60,
} as const;

/** The longest lifetime of anything signed: how long a retired signing key must stay published. */
export const LONGEST_SIGNED_LIFETIME = Math.max(TOKEN_TTL.IdToken, TOKEN_TTL.AccessToken);

/** The name of oidc-provider's session cookie for this issuer. */
export function sessionCookieName(issuer: string): string {
  return new URL(issuer).protocol === 'https:' ? '__Host-bk_session' : '_session';
}

export interface ProviderDeps {
  issuer: string;
  jwks: JWKS;
  /** Signs and checks oidc-provider's cookies: the app's own signer (src/http/cookie-signer.ts). */
  cookieSigner: CookieSigner;
  adapter: AdapterFactory | (new (name: string) => Adapter);
  findAccount: FindAccount;
  trustProxy: boolean;
  logger: Logger;
  /**
   * Asked on every authorization request that an existing session and grant could answer without the user:
   * true sends it through the interaction (another organisation, or a session its policy does not accept).
   */
  mustRevalidate?: (ctx: KoaContextWithOIDC) => Promise<boolean>;
}

/*
 * oidc-provider, configured for this product:
 * - authorization code flow only (no implicit, hybrid or password grant); PKCE required for every client,
 *   S256 only; refresh tokens rotate and a reused one revokes the grant
 * - discovery, JWKS, userinfo, introspection, revocation, RP-initiated logout
 * - ID tokens carry the scopes' claims (organisation and roles) rather than leaving them to userinfo
 * - client secrets are compared against stored digests
 */
export function createProvider(deps: ProviderDeps): Provider {
  const configuration: Configuration = {
    adapter: deps.adapter as AdapterFactory,
    findAccount: deps.findAccount,
    jwks: deps.jwks,
    cookies: {
      // With an https issuer the session cookie carries the __Host- prefix (RFC 6265bis §4.1.3.2): browsers then
      // accept it only host-only, Secure and on Path=/, so a sibling subdomain cannot plant its own session on
      // this host (cookie tossing, a login CSRF into every relying app). The interaction cookies are scoped to
      // their interaction's path, which the prefix forbids; they are bound to their interaction besides.
      names: { session: sessionCookieName(deps.issuer), interaction: '_interaction', resume: '_interaction_resume' },
      keys: deps.cookieSigner,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'admin', ...Object.keys(SCOPE_CLAIMS).filter((s) => s !== 'openid')],
    claims: SCOPE_CLAIMS as unknown as Configuration['claims'],
    conformIdTokenClaims: false,
    extraParams: ['organization'],
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      clientAuthSigningAlgValues: ['ES256', 'RS256', 'PS256'],
    },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = logoutPage({ form, clientName: ctx.oidc.client?.clientName, locale: localeOf(ctx) }).value;
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = loggedOutPage({ clientName: ctx.oidc.client?.clientName, locale: localeOf(ctx) }).value;
        },
      },
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: { ...TOKEN_TTL },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: interactionPolicyFor(deps) },
    renderError: async (ctx: KoaContextWithOIDC, out, error) => {
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      // A store or Redis that is down is worth a retry in a moment: 503 and saying so, not a generic 500.
      const unavailable = error instanceof UnavailableError;
      if (unavailable) ctx.status = 503;
      ctx.body = errorPage({
        title: unavailable ? 'Temporarily unavailable' : 'Sign-in could not continue',
        message: unavailable ? 'The service is temporarily unavailable. Please try again in a moment.' : describeError(out.error, out.error_description),
        requestId: ctx.state.requestId as string | undefined,
        locale: localeOf(ctx),
      }).value;
    },
  };

  const provider = new Provider(deps.issuer, configuration);
  provider.proxy = deps.trustProxy;
  // oidc-provider reports errors as events; 5xx ones are ours to investigate, the rest are client mistakes.
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
    deps.logger.error({ err: error, requestId: ctx.state.requestId }, 'oidc-provider server error');
  });
  const onError = provider.on.bind(provider) as (event: string, listener: (ctx: KoaContextWithOIDC, error: Error) => void) => unknown;
  for (const event of ['authorization.error', 'grant.error', 'end_session.error', 'userinfo.error', 'introspection.error', 'revocation.error']) {
    onError(event, (ctx, error) => {
      deps.logger.info({ requestId: ctx.state.requestId, event, error: error.message }, 'oidc request refused');
    });
  }
  // What relying apps did, for operators: who got tokens, who signed out, which grants were revoked.
  const onEvent = provider.on.bind(provider) as (event: string, listener: (ctx: KoaContextWithOIDC, subject?: { clientId?: string; accountId?: string; grantId?: string } | string) => void) => unknown;
  for (const event of ['authorization.success', 'grant.success', 'end_session.success', 'grant.revoked', 'backchannel.success']) {
    onEvent(event, (ctx, subject) => {
      const details = typeof subject === 'object' && subject !== null ? { clientId: subject.clientId, accountId: subject.accountId } : {};
      deps.logger.info({ requestId: ctx?.state?.requestId, event, clientId: ctx?.oidc?.client?.clientId, ...details }, 'oidc event');
    });
  }
  provider.Client.prototype.compareClientSecret = function compareDigest(this: { clientSecret?: string }, actual: string) {
    return clientSecretMatches(this.clientSecret, actual);
  };
  return provider;
}

function interactionPolicyFor(deps: ProviderDeps) {
  const policy = interactionPolicy.base();
  const { mustRevalidate } = deps;
  if (mustRevalidate) {
    policy.get('consent')!.checks.add(new interactionPolicy.Check(
      'bk_organization_policy', 'the organisation\'s sign-in policy must be checked for this session', 'login_required',
      async (ctx: KoaContextWithOIDC) => ((await mustRevalidate(ctx)) ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT),
    ));
  }
  return policy;
}

function describeError(error: unknown, description: unknown): string {
  const text = typeof description === 'string' ? description : typeof error === 'string' ? error : 'unknown error';
  return `The request could not be processed (${text}). Please return to the application and try again.`;
}
