import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { createKvAdapterFactory } from '../src/oidc/adapter.ts';
import { TOKEN_TTL } from '../src/oidc/provider.ts';
import { createRedisKv } from '../src/store/kv/redis.ts';

/*
 * The baseline: bare oidc-provider on the same KV adapter and Redis store as Bridgekeeper, with the same
 * token lifetimes, PKCE, refresh-token rotation and ES256 ID tokens, one static client, and an interaction
 * that finishes login and consent at once. What Bridgekeeper costs beyond this is its own.
 * Run as a child process by the bench: BASELINE_PORT, BASELINE_REDIS_URL, BASELINE_KEY_PREFIX,
 * BASELINE_CLIENT_SECRET, BASELINE_CALLBACK.
 */
const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const port = Number(env('BASELINE_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const kv = createRedisKv({ url: env('BASELINE_REDIS_URL'), prefix: env('BASELINE_KEY_PREFIX') });
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: 'baseline-es256', alg: 'ES256', use: 'sig' };
const secret = env('BASELINE_CLIENT_SECRET');

const configuration: Configuration = {
  adapter: createKvAdapterFactory(kv),
  clients: [
    {
      client_id: 'bench-app', client_secret: secret, redirect_uris: [env('BASELINE_CALLBACK')],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    },
    { client_id: 'bench-service', client_secret: secret, redirect_uris: [], grant_types: ['client_credentials'], response_types: [] },
  ],
  clientDefaults: { id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'client_secret_basic' },
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, email: `${sub}@baseline.bench`, email_verified: true, name: sub }) }),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  conformIdTokenClaims: false,
  responseTypes: ['code'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false }, clientCredentials: { enabled: true } },
  rotateRefreshToken: true,
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  ttl: { ...TOKEN_TTL },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
};

const provider = new Provider(issuer, configuration);
let accounts = 0;

// Login and consent in one step: whoever arrives is a new account that grants every scope asked for.
provider.use(async (ctx: KoaContextWithOIDC, next) => {
  if (!ctx.path.startsWith('/interaction/')) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const accountId = `user-${++accounts}`;
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  const grantId = await grant.save();
  const redirectTo = await provider.interactionResult(ctx.req, ctx.res, {
    login: { accountId, amr: ['pwd'], remember: true }, consent: { grantId },
  }, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(redirectTo);
});

const server = createServer(provider.callback()).listen(port, '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close(() => void kv.close().then(() => process.exit(0)));
    server.closeIdleConnections();
  });
}
