import { createTransport } from 'nodemailer';
import { MailDeliveryError, type Mailer, type MailMessage } from './port.ts';

export type StartTlsMode = 'required' | 'opportunistic' | 'never';

export interface SmtpMailerOptions {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465); `startTls` is then moot. */
  secure: boolean;
  startTls: StartTlsMode;
  auth?: { user: string; pass: string };
  /** The From header, e.g. `Bridgekeeper <no-reply@example.com>`. */
  from: string;
  /** Bounds every wait (connect, greeting, each reply) and the whole send. */
  timeoutMs: number;
}

export interface SmtpMailer extends Mailer {
  /** Closes idle pooled connections now and busy ones once their message is through. */
  close(): Promise<void>;
}

/*
 * - one pooled transport per process: connections are reused across sends and opened on demand
 * - STARTTLS: `required` refuses to send over a connection the server will not upgrade (RFC 3207 leaves
 *   the client to decide; an OTP sent in clear is an OTP disclosed), `never` ignores it for local relays
 * - certificates are verified (Node's default); no file or URL access from message content
 * - every send settles within timeoutMs: socket timeouts alone miss a server that trickles its replies or a
 *   message queued behind busy connections, so an abort signal bounds the whole send too
 */
export function createSmtpMailer(options: SmtpMailerOptions): SmtpMailer {
  const transport = createTransport({
    pool: true,
    host: options.host,
    port: options.port,
    secure: options.secure,
    requireTLS: !options.secure && options.startTls === 'required',
    ignoreTLS: !options.secure && options.startTls === 'never',
    auth: options.auth,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    dnsTimeout: options.timeoutMs,
    // An idle pooled connection says QUIT before the socket timeout would tear it down with an error.
    idleTimeout: Math.ceil(options.timeoutMs / 2),
    disableFileAccess: true,
    disableUrlAccess: true,
  });

  return {
    async send(message: MailMessage): Promise<void> {
      try {
        await transport.sendMail({
          from: options.from,
          // An address object, not a string: a string is parsed as a list, so "a@x, b@y" would reach two people.
          to: { name: '', address: message.to },
          subject: message.subject,
          text: message.text,
          html: message.html,
          // Automatic mail must not trigger vacation replies or bounce loops (RFC 3834 section 5).
          headers: { 'Auto-Submitted': 'auto-generated' },
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw deliveryError(error, options.timeoutMs);
      }
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}

interface SmtpErrorFields { name?: string; code?: string; responseCode?: number; response?: string; command?: string; message?: string }

// nodemailer's codes for a connection that could not be made or kept: no server, no TLS, no answer in time.
const CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', 'EPROXY']);

/*
 * - no connection (refused, DNS, TLS upgrade or certificate, timeout) -> unreachable, even when a reply
 *   came with it (a server that answers STARTTLS with 500 cannot be reached securely)
 * - any other error carrying an SMTP reply (AUTH, MAIL FROM, RCPT TO, DATA) -> refused
 */
function deliveryError(error: unknown, timeoutMs: number): MailDeliveryError {
  const fields: SmtpErrorFields = typeof error === 'object' && error !== null ? error : {};
  if (fields.name === 'TimeoutError' || fields.name === 'AbortError') {
    return new MailDeliveryError('unreachable', `no answer within ${timeoutMs} ms`, { cause: error });
  }
  if (typeof fields.responseCode === 'number' && !CONNECTION_CODES.has(fields.code ?? '')) {
    const reply = [fields.command, fields.response ?? fields.responseCode].filter((part) => part !== undefined).join(': ');
    return new MailDeliveryError('refused', reply, { cause: error });
  }
  return new MailDeliveryError('unreachable', [fields.code, fields.message].filter(Boolean).join(' ') || 'unknown error', { cause: error });
}
