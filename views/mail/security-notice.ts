import { html } from '../../src/http/html.ts';
import { formatUtc, mailDocument, note, oneLine, paragraph, textBody, type RenderedMail } from './document.ts';

/** A change to how an account signs in, told to its owner after the fact. */
export type SecurityNotice =
  | { event: 'sign-in-method-added'; /** As users know it: "Google", "a password", "Acme SAML". */ method: string; at: Date }
  | { event: 'mfa-disabled'; at: Date };

const STRINGS = {
  'sign-in-method-added': {
    subject: 'A new sign-in method was added to your account',
    title: 'New sign-in method',
    what: (method: string) => `${method} can now be used to sign in to your account.`,
  },
  'mfa-disabled': {
    subject: 'Two-step verification was turned off',
    title: 'Two-step verification turned off',
    what: () => 'Signing in to your account no longer asks for a code sent by email.',
  },
  when: (at: Date) => `When: ${formatUtc(at)}`,
  ifYou: 'If this was you, there is nothing to do.',
  notYou: 'If it was not you, tell your administrator at once: someone else may have access to your account.',
};

/*
 * No link on purpose: security notices are what phishing imitates, and one that never asks the reader to
 * click anything is harder to imitate convincingly.
 */
export function securityNoticeMail(notice: SecurityNotice): RenderedMail {
  const strings = STRINGS[notice.event];
  const what = notice.event === 'sign-in-method-added' ? STRINGS[notice.event].what(oneLine(notice.method)) : STRINGS[notice.event].what();
  return {
    subject: strings.subject,
    text: textBody(what, STRINGS.when(notice.at), STRINGS.ifYou, STRINGS.notYou),
    html: mailDocument({
      title: strings.title,
      preheader: what,
      body: html`${paragraph(what)}
${paragraph(STRINGS.when(notice.at))}
${paragraph(STRINGS.ifYou)}
${note(STRINGS.notYou)}`,
    }),
  };
}
