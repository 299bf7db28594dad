import { AppError } from '../common/errors.ts';
import { TooManyRequestsError } from '../common/too-many-requests.ts';

/*
 * Stable ids the sign-in page turns into messages. None of them carries the code, and a wrong code does not
 * say how many attempts are left: that number helps whoever is guessing more than whoever mistyped.
 */
export type OtpRejection =
  /** Wrong code. */
  | 'otp_invalid'
  /** The code's 10 minutes are over: ask for a new one. */
  | 'otp_expired'
  /** Too many wrong guesses at this code: it is dead, even the right code fails; ask for a new one. */
  | 'otp_exhausted'
  /** No code was issued for this challenge and user, or it was already used. */
  | 'otp_missing';

const MESSAGES: Record<OtpRejection, string> = {
  otp_invalid: 'The code is not valid.',
  otp_expired: 'The code has expired. Ask for a new one.',
  otp_exhausted: 'Too many wrong codes. Ask for a new one.',
  otp_missing: 'There is no code to check. Ask for a new one.',
};

/** A submitted code was not accepted. 400: the request was well-formed, its code is not good. */
export class OtpRejectedError extends AppError {
  declare readonly code: OtpRejection;

  constructor(code: OtpRejection) {
    super(400, code, MESSAGES[code]);
  }
}

/** Too many failed codes for this account across sign-ins; every check and send waits for the window. */
export class OtpLockedError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, 'otp_locked', 'Too many wrong codes for this account. Try again later.');
  }
}

/** Too many codes mailed to this account in the window. */
export class OtpResendLimitedError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, 'otp_resend_limited', 'Too many codes were sent. Wait before asking for another.');
  }
}
