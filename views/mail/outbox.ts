import { html, type Html } from '../../src/http/html.ts';
import { layout } from '../layout.ts';

/** What the outbox pages show of a message (a subset of the outbox's stored record). */
export interface OutboxEntry {
  id: string;
  createdAt: string;
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export function outboxListPage(messages: readonly OutboxEntry[]): Html {
  const rows = messages.map((m) => html`<li><a href="/dev/outbox/${encodeURIComponent(m.id)}">${m.subject}</a><br>
<span class="muted">${m.to} · ${m.kind} · <time datetime="${m.createdAt}">${m.createdAt}</time></span></li>`);
  return layout('Outbox', html`
<h1>Development outbox</h1>
<p class="muted">No SMTP server is configured: messages are kept here instead of being sent.</p>
${messages.length === 0 ? html`<p id="empty">No messages yet.</p>` : html`<ul class="choices" id="messages">${rows}</ul>`}`);
}

/*
 * The HTML part is shown in an iframe with an empty `sandbox` (no scripts, no forms, no navigation of this
 * page, an opaque origin) and given as `srcdoc`, which the `html` template escapes as any attribute value:
 * the message is displayed, never interpreted as part of this page.
 */
export function outboxMessagePage(message: OutboxEntry): Html {
  return layout(message.subject, html`
<p><a href="/dev/outbox">All messages</a></p>
<h1 id="subject">${message.subject}</h1>
<p class="muted">To ${message.to} · ${message.kind} · <time datetime="${message.createdAt}">${message.createdAt}</time></p>
<h2>HTML</h2>
<iframe sandbox="" srcdoc="${message.html}" title="HTML part of the message" width="100%" height="480"></iframe>
<h2>Text</h2>
<pre id="text">${message.text}</pre>`);
}
