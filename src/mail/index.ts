import type { Config } from '../config/schema.ts';
import { createOutbox, type Outbox } from './outbox.ts';
import type { Mailer } from './port.ts';
import { createSmtpMailer } from './smtp.ts';

export { MailDeliveryError, type MailFailure, type Mailer, type MailKind, type MailMessage } from './port.ts';
export { createSmtpMailer, type SmtpMailer, type SmtpMailerOptions, type StartTlsMode } from './smtp.ts';
export { createOutbox, type Outbox, type OutboxMessage } from './outbox.ts';
export { createOutboxRouter } from './outbox-router.ts';

export interface MailService {
  mailer: Mailer;
  /** Set when mail goes to the development outbox: the app may then mount createOutboxRouter on it. */
  outbox: Outbox | undefined;
  close(): Promise<void>;
}

/** SMTP when mail.smtp.host is set; otherwise the development outbox in <dataDir>/outbox. */
export function createMailer(config: Config['mail'], dataDir: string): MailService {
  const { smtp } = config;
  if (!smtp.host) {
    const outbox = createOutbox({ dataDir });
    return { mailer: outbox, outbox, close: async () => {} };
  }
  const mailer = createSmtpMailer({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    startTls: smtp.startTls,
    // An empty user means the relay takes mail without AUTH (a local MTA, a trusted network).
    auth: smtp.user ? { user: smtp.user, pass: smtp.password } : undefined,
    from: config.from,
    timeoutMs: smtp.timeoutMs,
  });
  return { mailer, outbox: undefined, close: () => mailer.close() };
}
