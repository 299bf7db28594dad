import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/*
 * A stand-in for Google's OpenID provider on a loopback port, built on oidc-provider (a certified OP), so
 * the connector talks real OpenID Connect: discovery, JWKS, /auth, /token with client_secret_post and PKCE,
 * RS256 ID tokens carrying `email`, `email_verified` and, for Workspace accounts, `hd`, as Google's do.
 * - /auth approves at once: the account named by `login_hint` if the test registered it, else the one set
 *   with `nextLogin`; `nextLogin('deny')` answers access_denied as if the person cancelled
 * - `prompt=select_account` is accepted as Google accepts it
 * - every request is recorded (query and parsed parameters) so tests can assert what went over the wire
 * - `delay(path, ms)` holds answers on one endpoint back, to play a slow upstream
 */
export interface FakeGoogleAccount {
  sub: string;
  email: string;
  email_verified: boolean;
  /** Workspace domain; absent for a consumer (gmail.com-style) account. */
  hd?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parameters oidc-provider parsed from the query or the form body (token requests: code_verifier, ...). */
  params: Record<string, unknown>;
}

export interface FakeGoogle {
  issuer: string;
  requests: RecordedRequest[];
  /** Accounts `login_hint` can name. */
  register(account: FakeGoogleAccount): void;
  /** The account the next authorization approves when no registered account is hinted. */
  nextLogin(account: FakeGoogleAccount | 'deny'): void;
  delay(path: string, ms: number): void;
  /** Publish another key under the signing key's kid, as if the tokens were forged: signatures no longer verify. */
  publishForeignKey(on: boolean): void;
  stop(): Promise<void>;
}

export async function startFakeGoogle(client: { clientId: string; clientSecret: string; redirectUri: string }): Promise<FakeGoogle> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handler(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const accounts = new Map<string, FakeGoogleAccount>();
  let next: FakeGoogleAccount | 'deny' | undefined;
  const delays = new Map<string, number>();
  const requests: RecordedRequest[] = [];

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: randomBytes(8).toString('hex') };

  const foreign = { ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey)), alg: 'RS256', use: 'sig', kid: jwk.kid };
  let publishForeign = false;

  const policy = interactionPolicy.base();
  policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);

  const configuration: Configuration = {
    clients: [{
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: [client.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
    }],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub', 'hd'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name'] },
    // Google puts the email and profile claims in the ID token itself.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      return account ? { accountId: sub, claims: () => ({ ...account }) } : undefined;
    },
    loadExistingGrant: async (ctx) => {
      const { provider, client: rp, session } = ctx.oidc;
      const grant = new provider.Grant({ clientId: rp!.clientId, accountId: session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  };

  const provider = new Provider(issuer, configuration);
  provider.use(async (ctx, nextMiddleware) => {
    const pause = delays.get(ctx.path);
    if (pause) await sleep(pause);
    if (ctx.path.startsWith('/interaction/')) return approve(ctx as KoaContextWithOIDC);
    await nextMiddleware();
    if (ctx.path === '/jwks' && publishForeign) ctx.body = { keys: [foreign] };
    const params = (ctx as KoaContextWithOIDC).oidc?.params ?? {};
    requests.push({ method: ctx.method, path: ctx.path, query: { ...ctx.query } as Record<string, string>, params: { ...params } });
  });

  async function approve(ctx: KoaContextWithOIDC): Promise<void> {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const hinted = [...accounts.values()].find((a) => a.email === details.params.login_hint);
    const chosen = hinted ?? next;
    next = undefined;
    if (chosen !== undefined && chosen !== 'deny') accounts.set(chosen.sub, chosen);
    const result = chosen === undefined || chosen === 'deny'
      ? { error: 'access_denied', error_description: 'The user denied access' }
      : { select_account: {}, login: { accountId: chosen.sub } };
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
  }

  handler = provider.callback();
  return {
    issuer,
    requests,
    register: (account) => { accounts.set(account.sub, account); },
    nextLogin: (account) => { next = account; },
    delay: (path, ms) => { delays.set(path, ms); },
    publishForeignKey: (on) => { publishForeign = on; },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
