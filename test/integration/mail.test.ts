import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { AddressObject, ParsedMail } from 'mailparser';
import type { SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/mail/index.ts';
import { MailDeliveryError, type MailKind } from '../../src/mail/port.ts';
import { createSmtpMailer, type SmtpMailer, type SmtpMailerOptions } from '../../src/mail/smtp.ts';
import { invitationMail } from '../../views/mail/invitation.ts';
import { oneTimeCodeMail } from '../../views/mail/one-time-code.ts';
import { passwordResetMail } from '../../views/mail/password-reset.ts';
import { securityNoticeMail } from '../../views/mail/security-notice.ts';
import type { RenderedMail } from '../../views/mail/document.ts';
import { SMTP_HOST as HOST, startSmtp as startCapture, type Received, type RunningSmtp } from '../support/smtp.ts';

/*
 * createSmtpMailer against a real SMTP server (the smtp-server package) on a free loopback port: what the
 * server receives is parsed with mailparser, as a mail client would see it.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function startSmtp(options: SMTPServerOptions): Promise<RunningSmtp> {
  const running = await startCapture(options);
  cleanups.push(running.stop);
  return running;
}

/** A plain server: no STARTTLS, no AUTH, as a development relay on localhost. */
function plainServer(options: SMTPServerOptions = {}): Promise<RunningSmtp> {
  return startSmtp({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], ...options });
}

function mailerFor(port: number, overrides: Partial<SmtpMailerOptions> = {}): SmtpMailer {
  const mailer = createSmtpMailer({
    host: HOST,
    port,
    secure: false,
    startTls: 'never',
    from: 'Bridgekeeper <no-reply@login.example.com>',
    timeoutMs: 2_000,
    ...overrides,
  });
  cleanups.push(() => mailer.close());
  return mailer;
}

async function expectDeliveryError(promise: Promise<unknown>): Promise<MailDeliveryError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(MailDeliveryError);
  const delivery = error as MailDeliveryError;
  expect(delivery).toMatchObject({ status: 503, code: 'mail_unavailable', expose: false });
  return delivery;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return [field ?? []].flat().flatMap((object) => object.value.map((entry) => entry.address ?? ''));
}

/** What every message must be, whatever its template: one recipient, both parts, no active content. */
function expectWellFormed(received: Received, to: string, rendered: RenderedMail): void {
  expect(received.envelope.to).toEqual([to]);
  expect(received.envelope.from).toBe('no-reply@login.example.com');
  expect(addresses(received.mail.to)).toEqual([to]);
  expect(received.mail.from?.value[0]).toMatchObject({ name: 'Bridgekeeper', address: 'no-reply@login.example.com' });
  expect(received.mail.subject).toBe(rendered.subject);
  expect(received.mail.headers.get('auto-submitted')).toBe('auto-generated');
  expect(received.mail.text?.trim()).toBe(rendered.text.trim());
  expect(received.mail.html).toBe(rendered.html);
  const html = received.mail.html || '';
  expect(html).not.toMatch(/<script|\son[a-z]+=|javascript:/i);
  expect(html).not.toMatch(/(src|href)="(?!https?:\/\/login\.example\.com\/)/); // no external assets, no other links
  expect(html).not.toMatch(/<(link|img|style)\b/i);
}

describe('SMTP mailer', () => {
  it('delivers every template with its recipient, subject, text and HTML parts', async () => {
    const smtp = await plainServer();
    const mailer = mailerFor(smtp.port);
    const to = 'ada@customer.example';
    const at = new Date('2026-05-04T09:30:00Z');
    const templates: { kind: MailKind; rendered: RenderedMail; check: (mail: ParsedMail) => void }[] = [
      {
        kind: 'invitation',
        rendered: invitationMail({
          organizationName: 'Acme <b>"Widgets"</b> & Co',
          inviterName: '<script>alert(1)</script> Grace',
          link: 'https://login.example.com/invitations/accept?token=abc&org=acme',
        }),
        check: (mail) => {
          expect(mail.subject).toBe('<script>alert(1)</script> Grace invited you to join Acme <b>"Widgets"</b> & Co');
          expect(mail.text).toContain('https://login.example.com/invitations/accept?token=abc&org=acme');
          expect(mail.text).toContain('24 hours');
          expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Grace invited you to join Acme &lt;b&gt;&quot;Widgets&quot;&lt;/b&gt; &amp; Co');
          expect(mail.html).toContain('href="https://login.example.com/invitations/accept?token=abc&amp;org=acme"');
          expect(mail.html).not.toContain('<b>');
        },
      },
      {
        kind: 'password-reset',
        rendered: passwordResetMail({ link: 'https://login.example.com/password/reset?token=r3set' }),
        check: (mail) => {
          expect(mail.text).toContain('https://login.example.com/password/reset?token=r3set');
          expect(mail.text).toContain('1 hour');
          expect(mail.text).toContain('If you did not ask for this, ignore this email');
          expect(mail.html).toContain('href="https://login.example.com/password/reset?token=r3set"');
        },
      },
      {
        kind: 'one-time-code',
        rendered: oneTimeCodeMail({ code: '042917' }),
        check: (mail) => {
          expect(mail.subject).not.toContain('042917');
          expect(mail.text).toContain('042917');
          expect(mail.text).toContain('10 minutes');
          expect(mail.html).toContain('>042917</p>');
          expect(mail.text).not.toMatch(/https?:/);
          expect(mail.html).not.toMatch(/<a\b/);
        },
      },
      {
        kind: 'security-notice',
        rendered: securityNoticeMail({ event: 'sign-in-method-added', method: 'Google <ada@gmail.example>', at }),
        check: (mail) => {
          expect(mail.text).toContain('Google <ada@gmail.example> can now be used to sign in');
          expect(mail.text).toContain('2026-05-04 09:30 UTC');
          expect(mail.html).toContain('Google &lt;ada@gmail.example&gt; can now be used');
          expect(mail.html).not.toMatch(/<a\b/);
        },
      },
      {
        kind: 'security-notice',
        rendered: securityNoticeMail({ event: 'mfa-disabled', at }),
        check: (mail) => {
          expect(mail.subject).toBe('Two-step verification was turned off');
          expect(mail.text).toContain('2026-05-04 09:30 UTC');
          expect(mail.html).not.toMatch(/<a\b/);
        },
      },
    ];

    for (const { kind, rendered } of templates) await mailer.send({ to, kind, ...rendered });

    expect(smtp.received).toHaveLength(templates.length);
    templates.forEach(({ rendered, check }, i) => {
      const received = smtp.received[i]!;
      expectWellFormed(received, to, rendered);
      check(received.mail);
    });
  });

  it('sends to exactly one recipient, even when the address holds a list', async () => {
    const smtp = await plainServer();
    const mailer = mailerFor(smtp.port);
    const rendered = passwordResetMail({ link: 'https://login.example.com/password/reset?token=x' });
    // sent as one RCPT TO with the whole text, which the server refuses as malformed; never two RCPT TOs
    const error = await expectDeliveryError(mailer.send({ to: 'ada@customer.example, eve@attacker.example', kind: 'password-reset', ...rendered }));
    expect(error.failure).toBe('refused');
    expect(smtp.received).toEqual([]);
  });

  it('authenticates with AUTH PLAIN when a user is configured', async () => {
    const smtp = await startSmtp({
      authMethods: ['PLAIN'],
      allowInsecureAuth: true, // loopback only; production relays are reached over TLS
      disabledCommands: ['STARTTLS'],
      onAuth(auth, _session, callback) {
        if (auth.method === 'PLAIN' && auth.username === 'bridgekeeper' && auth.password === 's3cret') callback(null, { user: auth.username });
        else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
    });
    const rendered = oneTimeCodeMail({ code: '123456' });

    await mailerFor(smtp.port, { auth: { user: 'bridgekeeper', pass: 's3cret' } }).send({ to: 'ada@customer.example', kind: 'one-time-code', ...rendered });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.user).toBe('bridgekeeper');
    expectWellFormed(smtp.received[0]!, 'ada@customer.example', rendered);

    const wrong = await expectDeliveryError(mailerFor(smtp.port, { auth: { user: 'bridgekeeper', pass: 'wrong' } })
      .send({ to: 'ada@customer.example', kind: 'one-time-code', ...rendered }));
    expect(wrong.failure).toBe('refused');

    const anonymous = await expectDeliveryError(mailerFor(smtp.port).send({ to: 'ada@customer.example', kind: 'one-time-code', ...rendered }));
    expect(anonymous.failure).toBe('refused'); // the server requires AUTH: 530 to MAIL FROM
    expect(smtp.received).toHaveLength(1);
  });

  it('fails with MailDeliveryError when the server refuses the recipient', async () => {
    const smtp = await plainServer({
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith('@blocked.example')) callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
        else callback();
      },
    });
    const mailer = mailerFor(smtp.port);
    const rendered = passwordResetMail({ link: 'https://login.example.com/password/reset?token=x' });

    const error = await expectDeliveryError(mailer.send({ to: 'nobody@blocked.example', kind: 'password-reset', ...rendered }));
    expect(error.failure).toBe('refused');
    expect(error.message).toContain('550');
    expect(smtp.received).toEqual([]);

    // the pool is still usable after a refusal
    await mailer.send({ to: 'ada@customer.example', kind: 'password-reset', ...rendered });
    expect(smtp.received).toHaveLength(1);
  });

  it('fails with MailDeliveryError when nothing listens', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await expectDeliveryError(mailerFor(port, { timeoutMs: 1_000 }).send({ to: 'ada@customer.example', kind: 'one-time-code', ...oneTimeCodeMail({ code: '123456' }) }));
    expect(error.failure).toBe('unreachable');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fails with MailDeliveryError within the timeout when the server never answers', async () => {
    const silent = await silentServer();
    const started = Date.now();
    const error = await expectDeliveryError(mailerFor(silent.port, { timeoutMs: 500 }).send({ to: 'ada@customer.example', kind: 'one-time-code', ...oneTimeCodeMail({ code: '123456' }) }));
    expect(error.failure).toBe('unreachable');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('does not send in clear when STARTTLS is required and the server does not offer it', async () => {
    const smtp = await plainServer();
    const message = { to: 'ada@customer.example', kind: 'one-time-code' as const, ...oneTimeCodeMail({ code: '123456' }) };
    const error = await expectDeliveryError(mailerFor(smtp.port, { startTls: 'required' }).send(message));
    expect(error.failure).toBe('unreachable');
    expect(smtp.received).toEqual([]);

    await mailerFor(smtp.port, { startTls: 'opportunistic' }).send(message); // upgrades only when offered
    expect(smtp.received).toHaveLength(1);
  });

  it('verifies the certificate of a STARTTLS upgrade', async () => {
    // smtp-server's built-in certificate is self-signed (and by now expired): verification must refuse it,
    // and 'opportunistic' must not fall back to sending in clear when the upgrade fails.
    const smtp = await startSmtp({ authOptional: true, disabledCommands: ['AUTH'] });
    for (const startTls of ['required', 'opportunistic'] as const) {
      const error = await expectDeliveryError(mailerFor(smtp.port, { startTls })
        .send({ to: 'ada@customer.example', kind: 'one-time-code', ...oneTimeCodeMail({ code: '123456' }) }));
      expect(error.failure).toBe('unreachable');
      expect(error.message).toMatch(/certificate/);
    }
    expect(smtp.received).toEqual([]);
  });
});

describe('createMailer', () => {
  it('sends through SMTP when a host is configured, without AUTH when the user is empty', async () => {
    const smtp = await plainServer();
    const mail = createMailer({
      from: 'Example <no-reply@login.example.com>',
      smtp: { host: HOST, port: smtp.port, secure: false, startTls: 'never', user: '', password: '', timeoutMs: 2_000 },
    }, '/nonexistent');
    cleanups.push(() => mail.close());
    expect(mail.outbox).toBeUndefined();
    await mail.mailer.send({ to: 'ada@customer.example', kind: 'one-time-code', ...oneTimeCodeMail({ code: '123456' }) });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.user).toBeUndefined();
  });
});

/** A loopback port that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts TCP connections and never says anything: no SMTP greeting. */
async function silentServer(): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port };
}
