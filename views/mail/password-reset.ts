import { html } from '../../src/http/html.ts';
import { actionButton, mailDocument, note, paragraph, textAction, textBody, type RenderedMail } from './document.ts';

export interface PasswordResetMailInput {
  /** The reset link, carrying a single-use token. */
  link: string;
}

const STRINGS = {
  subject: 'Reset your password',
  title: 'Reset your password',
  intro: 'Someone, probably you, asked to reset the password of your account.',
  action: 'Choose a new password',
  validity: 'The link is valid for 1 hour and works once.',
  notYou: 'If you did not ask for this, ignore this email: your password stays as it is.',
};

export function passwordResetMail(input: PasswordResetMailInput): RenderedMail {
  return {
    subject: STRINGS.subject,
    text: textBody(STRINGS.intro, textAction(input.link, STRINGS.action), STRINGS.validity, STRINGS.notYou),
    html: mailDocument({
      title: STRINGS.title,
      preheader: STRINGS.validity,
      body: html`${paragraph(STRINGS.intro)}
${actionButton(input.link, STRINGS.action)}
${paragraph(STRINGS.validity)}
${note(STRINGS.notYou)}`,
    }),
  };
}
