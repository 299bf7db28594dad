import { describe, expect, it } from 'vitest';
import type { RenderedMail } from '../../../views/mail/document.ts';
import { invitationMail } from '../../../views/mail/invitation.ts';
import { oneTimeCodeMail } from '../../../views/mail/one-time-code.ts';
import { passwordResetMail } from '../../../views/mail/password-reset.ts';
import { securityNoticeMail } from '../../../views/mail/security-notice.ts';

const at = new Date('2026-05-04T09:30:00Z');

const all: [string, RenderedMail][] = [
  ['invitation', invitationMail({ organizationName: 'Acme', inviterName: 'Grace', link: 'https://login.example.com/i?t=1' })],
  ['password reset', passwordResetMail({ link: 'https://login.example.com/r?t=1' })],
  ['one-time code', oneTimeCodeMail({ code: '000123' })],
  ['sign-in method added', securityNoticeMail({ event: 'sign-in-method-added', method: 'Google', at })],
  ['MFA turned off', securityNoticeMail({ event: 'mfa-disabled', at })],
];

describe('mail templates', () => {
  it.each(all)('%s: a complete HTML document with inline styles only and nothing loaded', (_name, mail) => {
    expect(mail.html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(mail.html).not.toMatch(/<(script|style|link|img|iframe|form)\b/i);
    expect(mail.html).not.toMatch(/\son[a-z]+=/i);
    expect(mail.html).not.toMatch(/url\(|@import/i);
    expect(mail.text).not.toMatch(/<[a-z]/i);
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it('puts the invitation details in both parts and escapes the names in HTML', () => {
    const mail = invitationMail({ organizationName: 'R&D <Lab>', inviterName: 'Eve "the admin"', link: 'https://login.example.com/i?t=1&o=2' });
    expect(mail.subject).toBe('Eve "the admin" invited you to join R&D <Lab>');
    for (const part of [mail.text, mail.html]) expect(part).toContain('24 hours');
    expect(mail.text).toContain('Eve "the admin" invited you to join R&D <Lab>.');
    expect(mail.text).toContain('https://login.example.com/i?t=1&o=2');
    expect(mail.html).toContain('Eve &quot;the admin&quot; invited you to join R&amp;D &lt;Lab&gt;.');
    expect(mail.html).toContain('href="https://login.example.com/i?t=1&amp;o=2"');
  });

  it('keeps names typed by people on one line in the subject', () => {
    const mail = invitationMail({ organizationName: 'Acme\r\nBcc: eve@attacker.example', inviterName: 'Grace\t\u0000', link: 'https://login.example.com/i' });
    expect(mail.subject).toBe('Grace invited you to join Acme Bcc: eve@attacker.example');
  });

  it('refuses links that are not absolute http(s) URLs', () => {
    for (const link of ['javascript:alert(1)', '/relative', 'data:text/html,<script>', 'not a url']) {
      expect(() => passwordResetMail({ link })).toThrow(/absolute http/);
      expect(() => invitationMail({ organizationName: 'Acme', inviterName: 'Grace', link })).toThrow(/absolute http/);
    }
  });

  it('sends a one-time code as six digits, never as a link', () => {
    const mail = oneTimeCodeMail({ code: '000123' });
    expect(mail.text).toContain('000123');
    expect(mail.html).toContain('000123');
    expect(mail.subject).not.toContain('000123');
    expect(mail.text).toContain('10 minutes');
    expect(mail.text + mail.html).not.toMatch(/https?:|<a\b/);
    for (const code of ['12345', '1234567', 'abcdef', '12 345', '']) expect(() => oneTimeCodeMail({ code })).toThrow(/six digits/);
  });

  it('tells a password reset is valid for 1 hour and may be ignored', () => {
    const mail = passwordResetMail({ link: 'https://login.example.com/r?t=1' });
    expect(mail.text).toContain('1 hour');
    expect(mail.text).toMatch(/If you did not ask for this, ignore this email/);
  });

  it('dates security notices in UTC and carries no link', () => {
    for (const mail of [securityNoticeMail({ event: 'sign-in-method-added', method: 'Google', at }), securityNoticeMail({ event: 'mfa-disabled', at })]) {
      expect(mail.text).toContain('2026-05-04 09:30 UTC');
      expect(mail.html).toContain('2026-05-04 09:30 UTC');
      expect(mail.text + mail.html).not.toMatch(/https?:|<a\b/);
    }
    expect(securityNoticeMail({ event: 'sign-in-method-added', method: 'Google', at }).subject).toBe('A new sign-in method was added to your account');
    expect(securityNoticeMail({ event: 'mfa-disabled', at }).subject).toBe('Two-step verification was turned off');
  });
});
