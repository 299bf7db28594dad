import type { MailMessage } from '../mail/port.ts';
import { oneTimeCodeMail } from '../../views/mail/one-time-code.ts';

/** Who the code goes to. `name` and `locale` are for templates that greet or translate; ours does neither yet. */
export interface OtpMailContext {
  email: string;
  name?: string;
  locale?: string;
}

export type RenderOtpMail = (code: string, context: OtpMailContext) => MailMessage;

/** The default rendering: the one-time-code template, addressed to the user. */
export const renderOtpMail: RenderOtpMail = (code, context) => ({
  to: context.email,
  kind: 'one-time-code',
  ...oneTimeCodeMail({ code }),
});
