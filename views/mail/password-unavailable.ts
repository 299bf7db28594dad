import { html } from '../../src/http/html.ts';
import { mailDocument, note, oneLine, paragraph, textBody, type RenderedMail } from './document.ts';

export interface PasswordUnavailableMailInput {
  /** The organisations that sign this account in with single sign-on only. */
  organizations: string[];
}

const STRINGS = {
  subject: 'Your password cannot be reset',
  title: 'Sign in with single sign-on',
  intro: (orgs: string) => `Someone, probably you, asked to reset the password of your account. ${orgs} signs you in with single sign-on, so your account does not use a password there.`,
  action: 'Sign in with your organization\'s single sign-on instead; your administrator can help if it does not work.',
  notYou: 'If you did not ask for this, ignore this email: nothing has changed.',
};

/* Sent instead of a reset link when every organisation of the account enforces SSO. No link, nothing to click. */
export function passwordUnavailableMail(input: PasswordUnavailableMailInput): RenderedMail {
  const orgs = input.organizations.map(oneLine).join(', ');
  return {
    subject: STRINGS.subject,
    text: textBody(STRINGS.intro(orgs), STRINGS.action, STRINGS.notYou),
    html: mailDocument({
      title: STRINGS.title,
      preheader: STRINGS.action,
      body: html`${paragraph(STRINGS.intro(orgs))}
${paragraph(STRINGS.action)}
${note(STRINGS.notYou)}`,
    }),
  };
}
