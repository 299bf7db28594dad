import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { GOOGLE_REFUSALS, GoogleSignInError } from '../../../../src/federation/google/errors.ts';
import { toGoogleSignInError } from '../../../../src/federation/google/failures.ts';

const clientError = (message: string, code: string, cause?: unknown) =>
  Object.assign(new client.ClientError(message, cause === undefined ? undefined : { cause }), { code });

describe('toGoogleSignInError', () => {
  it.each<[string, unknown, string]>([
    ['a connection failure', new TypeError('fetch failed'), 'google_unavailable'],
    ['our deadline', clientError('operation timed out', 'OAUTH_TIMEOUT'), 'google_unavailable'],
    ['an aborted request', clientError('operation aborted', 'OAUTH_ABORT'), 'google_unavailable'],
    ['an HTML error page instead of JSON', clientError('unexpected response content-type', 'OAUTH_RESPONSE_IS_NOT_JSON'), 'google_unavailable'],
    ['an unexpected status', clientError('unexpected HTTP response status code', 'OAUTH_RESPONSE_IS_NOT_CONFORM'), 'google_unavailable'],
    ['a claim mismatch', clientError('unexpected JWT claim value encountered', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', new Error('unexpected ID Token "nonce" claim value')), 'google_response_invalid'],
    ['an expired token', clientError('JWT timestamp claim value failed validation', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED'), 'google_response_invalid'],
    ['anything else', new Error('boom'), 'google_response_invalid'],
  ])('%s', (_case, error, code) => {
    const mapped = toGoogleSignInError(error, 'the code exchange');
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(error);
  });

  it('names the failing claim for the admin, from openid-client\'s cause', () => {
    const mapped = toGoogleSignInError(clientError('unexpected JWT claim value encountered', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', new Error('unexpected ID Token "nonce" claim value')), 'the code exchange');
    expect(mapped.reason).toBe('the code exchange failed: unexpected ID Token "nonce" claim value (OAUTH_JWT_CLAIM_COMPARISON_FAILED)');
  });

  it('passes its own errors through unchanged', () => {
    const own = new GoogleSignInError('google_email_unverified', 'x');
    expect(toGoogleSignInError(own, 'step')).toBe(own);
  });
});

describe('GoogleSignInError', () => {
  it.each(Object.keys(GOOGLE_REFUSALS) as (keyof typeof GOOGLE_REFUSALS)[])('%s carries its status, a stable code and a message for the person', (code) => {
    const error = new GoogleSignInError(code, 'admin detail');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code, status: GOOGLE_REFUSALS[code].status, expose: true, reason: 'admin detail', name: 'GoogleSignInError' });
    expect(error.message).not.toContain('admin detail');
  });
});
