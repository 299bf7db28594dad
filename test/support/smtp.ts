import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/*
 * A real SMTP server (the smtp-server package) on a free loopback port that keeps what it receives, parsed
 * with mailparser as a mail client would see it.
 */

export const SMTP_HOST = '127.0.0.1';

export interface Received {
  envelope: { from: string; to: string[] };
  user: string | undefined;
  mail: ParsedMail;
}

export interface RunningSmtp {
  port: number;
  received: Received[];
  /** The first message (received now or within `timeoutMs`) to `to` that `matches` accepts. */
  waitFor(to: string, matches?: (mail: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  stop(): Promise<void>;
}

export async function startSmtp(options: SMTPServerOptions, port = 0): Promise<RunningSmtp> {
  const received: Received[] = [];
  const server = new SMTPServer({
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks)).then((mail) => {
          received.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            user: typeof session.user === 'string' ? session.user : undefined,
            mail,
          });
          callback();
        }, callback);
      });
    },
  });
  server.listen(port, SMTP_HOST);
  await once(server.server, 'listening');
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    async waitFor(to, matches = () => true, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find((r) => r.envelope.to.includes(to) && matches(r.mail));
        if (found) return found.mail;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A plain server: no STARTTLS, no AUTH, as a development relay on localhost. */
export function startPlainSmtp(options: SMTPServerOptions = {}, port = 0): Promise<RunningSmtp> {
  return startSmtp({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], ...options }, port);
}

/** Configuration sending Bridgekeeper's mail to this server, in clear (a relay on this machine). */
export function smtpEnv(smtp: Pick<RunningSmtp, 'port'>): Record<string, string> {
  return { BRIDGEKEEPER_MAIL__SMTP__HOST: SMTP_HOST, BRIDGEKEEPER_MAIL__SMTP__PORT: String(smtp.port), BRIDGEKEEPER_MAIL__SMTP__START_TLS: 'never' };
}

/** The first link in a message's text that starts with `prefix`. */
export function linkIn(mail: ParsedMail, prefix: string): string {
  const link = (mail.text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link starting with ${prefix} in: ${mail.text}`);
  return link;
}
