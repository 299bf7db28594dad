import { html } from '../../src/http/html.ts';
import { mailDocument, note, paragraph, textBody, type RenderedMail } from './document.ts';

export interface OneTimeCodeMailInput {
  /** Six digits. */
  code: string;
}

const STRINGS = {
  subject: 'Your sign-in code',
  title: 'Your sign-in code',
  intro: 'Enter this code on the sign-in page to finish signing in:',
  validity: 'The code is valid for 10 minutes and works once. Nobody from your organisation will ask you for it.',
  notYou: 'If you did not try to sign in, someone else may be trying to: ignore this email and tell your administrator.',
};

/*
 * - the code only, never a link: a link would let a forwarded or phished email finish someone else's sign-in,
 *   and a message that never carries links is one a user can learn to trust
 * - the code stays out of the subject, which lock screens and notification previews show to anyone nearby
 */
export function oneTimeCodeMail(input: OneTimeCodeMailInput): RenderedMail {
  if (!/^\d{6}$/.test(input.code)) throw new Error('a one-time code is six digits');
  return {
    subject: STRINGS.subject,
    text: textBody(STRINGS.intro, `    ${input.code}`, STRINGS.validity, STRINGS.notYou),
    html: mailDocument({
      title: STRINGS.title,
      preheader: STRINGS.validity,
      body: html`${paragraph(STRINGS.intro)}
<p style="margin:0 0 24px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:32px;font-weight:700;letter-spacing:8px;color:#1f2328;">${input.code}</p>
${paragraph(STRINGS.validity)}
${note(STRINGS.notYou)}`,
    }),
  };
}
