import * as client from 'openid-client';
import { GoogleSignInError } from './errors.ts';
import { toGoogleSignInError } from './failures.ts';

/*
 * - the ID token's signature is verified against Google's JWKS (enableNonRepudiationChecks). OIDC Core
 *   3.1.3.7 step 6 lets a client rely on TLS for a token from the token endpoint instead, which openid-client
 *   does by default; verifying costs one cached key set and does not lean on the TLS set-up alone
 * - Google's metadata and keys are fetched once per connector, not per sign-in: the Configuration keeps the
 *   JWKS cache too, and openid-client refetches the JWKS itself when a token names an unknown key (rotation)
 * - a failed discovery is not cached, so the next sign-in tries again
 * - every request made through the Configuration (discovery, token, JWKS) is bounded by `timeoutMs`: a slow
 *   upstream fails the sign-in quickly instead of holding the interaction open
 * - plain HTTP is accepted only for a loopback issuer (RFC 8252 7.3 treats loopback as local): the stand-in
 *   Google of tests and development; anything else must be https, as openid-client enforces by default
 */
export interface DiscoveryOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

export function createCachedDiscovery(options: DiscoveryOptions): () => Promise<client.Configuration> {
  const issuer = new URL(options.issuer);
  let cached: Promise<client.Configuration> | undefined;

  async function discover(): Promise<client.Configuration> {
    try {
      return await client.discovery(issuer, options.clientId, options.clientSecret, undefined, {
        timeout: options.timeoutMs / 1000,
        execute: [client.enableNonRepudiationChecks, ...(isLoopbackHttp(issuer) ? [client.allowInsecureRequests] : [])],
      });
    } catch (error) {
      // Whatever went wrong, there is nothing to sign in with: for the person it is an outage.
      const failure = toGoogleSignInError(error, `discovery of ${issuer.href}`);
      throw failure.code === 'google_unavailable' ? failure : new GoogleSignInError('google_unavailable', failure.reason, { cause: error });
    }
  }

  return () => {
    cached ??= discover().catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}
