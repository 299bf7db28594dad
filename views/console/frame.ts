import { html, type Html } from '../../src/http/html.ts';
import { csrfField } from './fields.ts';
import type { ConsoleMessageId, ConsoleText } from './text.ts';

export type Section = 'organization' | 'users' | 'invitations' | 'groups' | 'connections' | 'apiKeys' | 'audit';

/** What every console page knows about the request. */
export interface ConsoleView {
  t: ConsoleText;
  csrf: string;
  who: { name: string; email: string };
  /** Sections the admin may open (the services decide; this only hides links that would answer 403). */
  sections: readonly Section[];
  /** A message to announce at the top, after a change. */
  notice?: ConsoleMessageId | undefined;
}

const NAV: readonly { section: Section; href: string; label: ConsoleMessageId }[] = [
  { section: 'organization', href: '/console/organization', label: 'nav.organization' },
  { section: 'users', href: '/console/users', label: 'nav.users' },
  { section: 'invitations', href: '/console/invitations', label: 'nav.invitations' },
  { section: 'groups', href: '/console/groups', label: 'nav.groups' },
  { section: 'connections', href: '/console/connections', label: 'nav.connections' },
  { section: 'apiKeys', href: '/console/api-keys', label: 'nav.apiKeys' },
  { section: 'audit', href: '/console/audit', label: 'nav.audit' },
];

/** A bare page of the console (no navigation): sign-in failures, signed out. */
export function consoleDocument(t: ConsoleText, title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="${t.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${t('console.title')} · Bridgekeeper</title>
<link rel="stylesheet" href="/static/console.css">
</head>
<body>
${body}
</body>
</html>`;
}

/** A console page: skip link, navigation, the signed-in admin, the notice, then the page's content. */
export function consolePage(view: ConsoleView, current: Section | undefined, title: string, body: Html): Html {
  const { t } = view;
  const who = view.who.name || view.who.email;
  return consoleDocument(t, title, html`<a class="skip" href="#content">${t('console.skip')}</a>
<header class="top">
<p class="brand">Bridgekeeper · ${t('console.title')}</p>
<nav aria-label="${t('console.nav')}"><ul>
${NAV.filter((item) => view.sections.includes(item.section)).map((item) => html`<li><a href="${item.href}"${item.section === current ? html` aria-current="page"` : html``}>${t(item.label)}</a></li>`)}
</ul></nav>
<div class="account">${who ? html`<span>${t('console.signedInAs', { who })}</span>` : html``}
<form method="post" action="/console/logout" class="inline">${csrfField(view.csrf)}<button type="submit" class="link">${t('console.signOut')}</button></form></div>
</header>
<main id="content" tabindex="-1">
${view.notice ? html`<p class="notice" role="status">${t(view.notice)}</p>` : html``}
<h1>${title}</h1>
${body}
</main>`);
}

/** Asks before a destructive action; the action happens only on the POST of this page's form. */
export function confirmPage(view: ConsoleView, current: Section, confirm: { question: string; action: string; yes: string; cancel: string }): Html {
  const { t } = view;
  return consolePage(view, current, t('console.confirm.title'), html`<p>${confirm.question}</p>
<form method="post" action="${confirm.action}" class="actions">${csrfField(view.csrf)}<button type="submit" class="danger">${confirm.yes}</button> <a class="button secondary" href="${confirm.cancel}">${t('console.cancel')}</a></form>`);
}

export function consoleErrorPage(view: ConsoleView, message: string, requestId?: string): Html {
  const { t } = view;
  return consolePage(view, undefined, t('console.error.title'), html`<p class="notice error-notice" role="alert">${message}</p>
${requestId ? html`<p class="muted">${t('console.error.reference', { id: requestId })}</p>` : html``}
<p><a href="/console">${t('console.error.back')}</a></p>`);
}

export function signedOutPage(t: ConsoleText): Html {
  return consoleDocument(t, t('console.signedOut.title'), html`<main id="content" class="narrow"><h1>${t('console.signedOut.title')}</h1>
<p>${t('console.signedOut.body')}</p><p><a class="button primary" href="/console/login">${t('console.signIn')}</a></p></main>`);
}

export function signInFailedPage(t: ConsoleText, reason: 'expired' | 'refused'): Html {
  return consoleDocument(t, t('console.signInFailed.title'), html`<main id="content" class="narrow"><h1>${t('console.signInFailed.title')}</h1>
<p role="alert">${t(reason === 'expired' ? 'console.signInFailed.expired' : 'console.signInFailed.refused')}</p><p><a class="button primary" href="/console/login">${t('console.signIn')}</a></p></main>`);
}
