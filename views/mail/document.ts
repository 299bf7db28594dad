import { html, type Html } from '../../src/http/html.ts';

/** What every mail template returns; the caller adds the recipient and the kind. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const STRINGS = {
  footer: 'This email was sent automatically. Replies to it are not read.',
  linkFallback: 'If the button does not work, copy this link into your browser:',
};

/*
 * The frame of every HTML email. Mail clients strip <style> blocks and block remote content, so styles are
 * inline, layout is one table, and nothing is loaded from anywhere. The preheader is the line inbox lists
 * show next to the subject.
 */
export function mailDocument(content: { title: string; preheader: string; body: Html }): string {
  const font = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${content.title}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<div style="display:none;max-height:0;overflow:hidden;">${content.preheader}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border:1px solid #e1e4e8;border-radius:8px;">
<tr><td style="padding:32px;${font}font-size:16px;line-height:1.5;color:#1f2328;">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:#1f2328;">${content.title}</h1>
${content.body}
</td></tr>
</table>
<p style="margin:16px 0 0;${font}font-size:12px;color:#6a737d;">${STRINGS.footer}</p>
</td></tr>
</table>
</body>
</html>
`.value;
}

export function paragraph(content: Html | string): Html {
  return html`<p style="margin:0 0 16px;">${content}</p>`;
}

export function note(content: string): Html {
  return html`<p style="margin:0 0 16px;font-size:14px;color:#57606a;">${content}</p>`;
}

/** A call to action: a button, and the bare link for clients that do not render it. */
export function actionButton(link: string, label: string): Html {
  const href = checkedLink(link);
  return html`<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 24px;"><tr>
<td style="border-radius:6px;background:#2457c5;"><a href="${href}" style="display:inline-block;padding:12px 24px;font-size:16px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;">${label}</a></td>
</tr></table>
<p style="margin:0 0 16px;font-size:14px;color:#57606a;">${STRINGS.linkFallback}<br><a href="${href}" style="color:#2457c5;word-break:break-all;">${href}</a></p>`;
}

/** The plain-text body: paragraphs separated by blank lines, a link on a line of its own. */
export function textBody(...paragraphs: string[]): string {
  return `${paragraphs.join('\n\n')}\n\n-- \n${STRINGS.footer}\n`;
}

export function textAction(link: string, label: string): string {
  return `${label}:\n${checkedLink(link)}`;
}

/** Names typed by people end up in a Subject header: one line, no control characters. */
export function oneLine(text: string): string {
  return text.replace(/[\s\p{Cc}]+/gu, ' ').trim();
}

/** "2026-05-04 09:30 UTC": unambiguous for every reader, whatever their time zone. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/*
 * Escaping keeps a link inside its attribute but does not make it safe to follow: only absolute http(s)
 * links go into a message, so a `javascript:` or relative URL is a bug caught here rather than in an inbox.
 */
function checkedLink(link: string): string {
  const url = URL.parse(link);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new Error('mail links must be absolute http(s) URLs');
  return url.href;
}
