import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/*
 * A real SMTP server (smtp-server) in the bench process, receiving the one-time codes Bridgekeeper mails.
 * Unlike the test suite's catcher it keeps no history: each code is handed to the sign-in waiting for that
 * recipient (or queued until it asks), so memory stays flat over thousands of sign-ins. Bridgekeeper mails
 * the code before it answers the request that triggered it, so the code is here by the time the page is.
 */
export interface Inbox {
  port: number;
  /** Drops codes still queued for `to` (left by an earlier sign-in that failed). */
  forget(to: string): void;
  /** The next code mailed to `to`, waiting at most `timeoutMs`. */
  nextCode(to: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startInbox(): Promise<Inbox> {
  const queued = new Map<string, string[]>();
  const waiting = new Map<string, (code: string) => void>();
  const deliver = (to: string, code: string) => {
    const waiter = waiting.get(to);
    if (waiter) {
      waiting.delete(to);
      waiter(code);
    } else {
      queued.set(to, [...(queued.get(to) ?? []), code]);
    }
  };
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks)).then((mail) => {
          const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1];
          if (code) for (const { address } of session.envelope.rcptTo) deliver(address.toLowerCase(), code);
          callback();
        }, callback);
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return {
    port: (server.server.address() as AddressInfo).port,
    forget: (to) => void queued.delete(to.toLowerCase()),
    nextCode(to, timeoutMs = 10_000) {
      const key = to.toLowerCase();
      const first = queued.get(key)?.shift();
      if (first) return Promise.resolve(first);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(key);
          reject(new Error(`no code mailed to ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(key, (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
