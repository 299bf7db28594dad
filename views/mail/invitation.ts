import { html } from '../../src/http/html.ts';
import { actionButton, mailDocument, note, oneLine, paragraph, textAction, textBody, type RenderedMail } from './document.ts';

export interface InvitationMailInput {
  organizationName: string;
  inviterName: string;
  /** The acceptance link, carrying the invitation token. */
  link: string;
}

const STRINGS = {
  subject: (p: InvitationMailInput) => `${p.inviterName} invited you to join ${p.organizationName}`,
  title: (p: InvitationMailInput) => `Join ${p.organizationName}`,
  intro: (p: InvitationMailInput) => `${p.inviterName} invited you to join ${p.organizationName}.`,
  action: 'Accept the invitation',
  expiry: 'This invitation expires in 24 hours.',
  unexpected: 'If you did not expect this invitation, you can ignore this email.',
};

/** Both names are typed by people (an admin, an organisation): escaped in HTML, one line in the subject. */
export function invitationMail(input: InvitationMailInput): RenderedMail {
  const p = { ...input, organizationName: oneLine(input.organizationName), inviterName: oneLine(input.inviterName) };
  return {
    subject: STRINGS.subject(p),
    text: textBody(STRINGS.intro(p), textAction(p.link, STRINGS.action), STRINGS.expiry, STRINGS.unexpected),
    html: mailDocument({
      title: STRINGS.title(p),
      preheader: STRINGS.intro(p),
      body: html`${paragraph(STRINGS.intro(p))}
${actionButton(p.link, STRINGS.action)}
${paragraph(STRINGS.expiry)}
${note(STRINGS.unexpected)}`,
    }),
  };
}
