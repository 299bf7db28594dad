import * as client from 'openid-client';
import { GoogleSignInError } from './errors.ts';

/*
 * openid-client's failures, sorted into what the person and the admin can act on:
 * - Google unreachable, slow (our AbortSignal deadline) or answering garbage: `google_unavailable`, retry later
 * - an error in the authorization response (RFC 6749 4.1.2.1), e.g. the person cancelled: `google_access_denied`
 * - everything else (token endpoint error such as invalid_grant, ID token signature, iss, aud, exp, nonce):
 *   `google_response_invalid`; the reason carries openid-client's code for the admin and the logs
 */
const UNAVAILABLE_CODES = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON']);

export function toGoogleSignInError(error: unknown, step: string): GoogleSignInError {
  if (error instanceof GoogleSignInError) return error;
  if (error instanceof client.AuthorizationResponseError) {
    const description = error.error_description ? `: ${error.error_description}` : '';
    return new GoogleSignInError('google_access_denied', `Google answered ${step} with ${error.error}${description}`, { cause: error });
  }
  if (error instanceof client.ResponseBodyError) {
    const description = error.error_description ? `: ${error.error_description}` : '';
    return new GoogleSignInError('google_response_invalid', `Google refused ${step} with ${error.error}${description}`, { cause: error });
  }
  const code = error instanceof client.ClientError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  // fetch() itself rejects with a TypeError when the connection fails (refused, reset, DNS).
  if (error instanceof TypeError || (code !== undefined && UNAVAILABLE_CODES.has(code))) {
    const what = code === 'OAUTH_TIMEOUT' ? 'did not answer in time' : 'could not be reached';
    return new GoogleSignInError('google_unavailable', `Google ${what} during ${step} (${code ?? message})`, { cause: error });
  }
  // openid-client's own message is generic ("unexpected JWT claim value"); its cause names the claim.
  const detail = error instanceof Error && error.cause instanceof Error ? error.cause.message : message;
  return new GoogleSignInError('google_response_invalid', `${step} failed: ${detail}${code ? ` (${code})` : ''}`, { cause: error });
}
