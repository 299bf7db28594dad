import { AppError } from '../../common/errors.ts';

/*
 * Why a Google sign-in was refused. The codes are a contract: the sign-in journey logs them and picks its
 * page by them, the admin console shows `reason`, tests assert them. The person signing in sees `message`,
 * which names no check, except where they can act on it (an unverified address, another Google account).
 */
export const GOOGLE_REFUSALS = {
  /** The callback's `state` is not the one this browser's sign-in started with (CSRF, RFC 6749 10.12). */
  google_state_mismatch: { status: 400, message: 'This sign-in link does not belong to your sign-in. Please start again.' },
  /** No outstanding transaction under that state: expired (10 minutes), already used, or never issued. */
  google_state_unknown: { status: 400, message: 'This sign-in has expired or was already used. Please start again.' },
  /** Google answered the authorization request with an error, e.g. the person cancelled (RFC 6749 4.1.2.1). */
  google_access_denied: { status: 400, message: 'Sign-in with Google was cancelled.' },
  /** Code exchange or ID token validation failed (OIDC Core 3.1.3.7): signature, iss, aud, exp, nonce, PKCE. */
  google_response_invalid: { status: 400, message: 'The response from Google could not be accepted.' },
  /** Google does not vouch for the address (OIDC Core 5.1 `email_verified`). */
  google_email_unverified: { status: 403, message: 'Google has not verified the email address of this account.' },
  /** The organisation accepts only Google Workspace accounts of some domains (`hd`). */
  google_hosted_domain_mismatch: { status: 403, message: 'This Google account is not one your organisation accepts. Sign in with your work account.' },
  /** Google could not be reached in time (discovery, JWKS or token endpoint). */
  google_unavailable: { status: 503, message: 'Google sign-in is unavailable right now. Please try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type GoogleRefusal = keyof typeof GOOGLE_REFUSALS;

export class GoogleSignInError extends AppError {
  declare readonly code: GoogleRefusal;
  /** One sentence for the organisation's admin and the logs; never shown to the person signing in. */
  readonly reason: string;

  constructor(code: GoogleRefusal, reason: string, options?: ErrorOptions) {
    const { status, message } = GOOGLE_REFUSALS[code];
    // The 503 message is written for the person signing in, so it is shown like the 4xx ones.
    super(status, code, message, { ...options, expose: true });
    this.reason = reason;
  }
}
