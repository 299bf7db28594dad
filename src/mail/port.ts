import { AppError } from '../common/errors.ts';

/** What a message is for: kept with outbox entries and in logs, never shown to the recipient. */
export type MailKind = 'invitation' | 'password-reset' | 'one-time-code' | 'security-notice';

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain-text body; every message has one, for clients that show no HTML. */
  text: string;
  /** HTML body, already escaped by its template. */
  html: string;
  kind: MailKind;
}

/*
 * The Mailer port. `send` resolves once the message was handed over (accepted by the SMTP server, or written
 * to the development outbox) and rejects with MailDeliveryError otherwise. There is no queue behind it: a
 * caller that must not fail (an invitation) retries or reports; one that must be fast (an OTP) answers 503.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Why a message was not delivered: the server said no, or it could not be reached in time. */
export type MailFailure = 'refused' | 'unreachable';

/**
 * The mail server refused the message or could not be reached. 503 (never exposed): the caller's request was
 * fine and may be retried later. The server's reply stays in `message` and `cause`, for the log only.
 */
export class MailDeliveryError extends AppError {
  readonly failure: MailFailure;

  constructor(failure: MailFailure, detail: string, options?: ErrorOptions) {
    super(503, 'mail_unavailable', `mail ${failure === 'refused' ? 'refused' : 'server unreachable'}: ${detail}`, options);
    this.failure = failure;
  }
}
