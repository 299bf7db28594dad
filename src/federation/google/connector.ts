import * as client from 'openid-client';
import type { KvStore } from '../../common/kv.ts';
import type { ExternalIdentity } from '../connector.ts';
import { createCachedDiscovery } from './discovery.ts';
import { GoogleSignInError } from './errors.ts';
import { toGoogleSignInError } from './failures.ts';
import { identityFromIdToken } from './identity.ts';
import { createTransactionStore } from './transaction.ts';

/*
 * Sign-in with Google as an OpenID Connect relying party (Google's "OpenID Connect" guide), on openid-client:
 * - authorization code flow with PKCE S256 (RFC 7636; RFC 9700 2.1.1), a nonce (OIDC Core 3.1.2.1) and a
 *   state (RFC 6749 10.12); verifier and nonce stay server-side in the KV store, under the state
 * - the ID token is validated by openid-client: signature against Google's JWKS, iss, aud, exp, iat, nonce
 *   (OIDC Core 3.1.3.7); the code exchange is a back-channel call authenticated with the client secret
 * - `prompt=select_account`: people often hold a personal and a work account, and a silent pick of the
 *   wrong one is a confusing refusal later
 * - the login policy (hosted domains) is not applied here but by checkGoogleIdentity, against the policy of
 *   the organisation the journey settles on; this connector only vouches for who Google says it is
 */
export const GOOGLE_ISSUER = 'https://accounts.google.com';
const DEFAULT_TIMEOUT_MS = 5_000;
const SCOPE = 'openid email profile';

export interface GoogleConnectorDeps {
  /** Google's issuer; a local stand-in in tests. */
  issuer?: string;
  clientId: string;
  clientSecret: string;
  /** Our callback, exactly as registered with Google for this client. */
  redirectUri: string;
  kv: KvStore;
  now?: () => Date;
  /** Bound on every request to Google (discovery, token, JWKS); default 5000 ms. */
  timeoutMs?: number;
}

export interface GoogleStartInput {
  /** The organisation the sign-in is for, when the journey knows it already; carried into the identity. */
  orgId?: string;
  /** The organisation's Google connection, when it has one; carried into the identity. */
  connectionId?: string;
  /** The email the person typed, so Google preselects that account (OIDC Core 3.1.2.1 `login_hint`). */
  loginHint?: string;
  /** Google's `hd` parameter: a hint for the account chooser only (see hostedDomainHint). */
  hostedDomain?: string;
}

export interface GoogleStarted {
  redirectUrl: string;
  /** The `state`: the journey keeps it with its interaction and hands it back to `complete`. */
  transactionId: string;
}

export interface GoogleCompleteInput {
  /** The URL Google redirected the browser to; only its query is read. */
  callbackUrl: string | URL;
  /** What this browser's interaction started: the callback's state must be this one. */
  expected: { state: string };
}

export interface GoogleConnector {
  start(input?: GoogleStartInput): Promise<GoogleStarted>;
  /** @throws GoogleSignInError */
  complete(input: GoogleCompleteInput): Promise<ExternalIdentity>;
}

export function createGoogleConnector(deps: GoogleConnectorDeps): GoogleConnector {
  const now = deps.now ?? (() => new Date());
  const discover = createCachedDiscovery({
    issuer: deps.issuer ?? GOOGLE_ISSUER,
    clientId: deps.clientId,
    clientSecret: deps.clientSecret,
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const transactions = createTransactionStore(deps.kv);

  return {
    async start(input = {}) {
      const config = await discover();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const codeVerifier = client.randomPKCECodeVerifier();
      await transactions.save(state, {
        codeVerifier, nonce, createdAt: now().toISOString(),
        ...(input.orgId ? { orgId: input.orgId } : {}),
        ...(input.connectionId ? { connectionId: input.connectionId } : {}),
      });
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: deps.redirectUri,
        scope: SCOPE,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        prompt: 'select_account',
        ...(input.loginHint ? { login_hint: input.loginHint } : {}),
        ...(input.hostedDomain ? { hd: input.hostedDomain } : {}),
      });
      return { redirectUrl: url.href, transactionId: state };
    },

    async complete({ callbackUrl, expected }) {
      // The redirect_uri of the token request must be the registered one (RFC 6749 4.1.3), whatever host
      // name the request reached us under behind a proxy: keep the query, put it on our own callback.
      const callback = new URL(deps.redirectUri);
      callback.search = URL.parse(callbackUrl)?.search ?? '';
      const returned = callback.searchParams.get('state');
      // Compared before anything is spent: a forged callback must not burn the person's real transaction.
      if (returned !== expected.state) {
        throw new GoogleSignInError('google_state_mismatch', 'The callback carries a state this interaction did not start');
      }
      const transaction = await transactions.consume(expected.state);
      if (!transaction) {
        throw new GoogleSignInError('google_state_unknown', 'No outstanding Google sign-in for this state: expired, already completed or never started');
      }
      const config = await discover();
      let claims: client.IDToken | undefined;
      try {
        const tokens = await client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: transaction.codeVerifier,
          expectedState: expected.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (error) {
        throw toGoogleSignInError(error, 'the code exchange');
      }
      if (!claims) throw new GoogleSignInError('google_response_invalid', 'The token response carries no ID token');
      return identityFromIdToken(claims, transaction);
    },
  };
}
