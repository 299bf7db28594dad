import { AppError } from './errors.ts';

/*
 * - 429 with how long the caller should wait; the HTTP layer copies `retryAfterSeconds` into `Retry-After`
 *   (delay-seconds, RFC 9110 §10.2.3), so it is a whole number and never 0 (0 would invite an instant retry)
 * - `code` defaults to `too_many_requests`; a capability with its own stable id (`otp_locked`) passes it, so
 *   pages can say something specific while the header logic stays the same for every limit
 */
export class TooManyRequestsError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, code = 'too_many_requests', message = 'Too many attempts; try again later') {
    super(429, code, message);
    this.retryAfterSeconds = Number.isFinite(retryAfterSeconds) ? Math.max(1, Math.ceil(retryAfterSeconds)) : 1;
  }
}
