import { Html, html } from '../src/http/html.ts';
import type { Locale } from '../src/i18n/locale.ts';
import { describedBy, fieldError, layout } from './layout.ts';
import { signinText, type SigninMessageId } from './messages/signin.ts';

/*
 * The sign-in pages. Their text comes from the message catalog (views/messages/signin.*.ts) in the page's
 * `locale`, English when the caller gives none; `localeOf(ctx)` (src/i18n/locale.ts) reads it from the
 * request's Accept-Language.
 */

export interface FormBase {
  /** Form target. */
  action: string;
  csrf: string;
  clientName: string;
  locale?: Locale;
}

function hidden(csrf: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

function googleButton(form: FormBase & { google?: { action: string } }): Html {
  const t = signinText(form.locale);
  return form.google ? html`<form method="post" action="${form.google.action}">${hidden(form.csrf)}<button type="submit" class="secondary">${t('google.continue')}</button></form>` : html``;
}

export function emailPage(form: FormBase & { email?: string; error?: string; google?: { action: string } }): Html {
  const t = signinText(form.locale);
  return layout(t('signin.title'), html`
<h1>${t('signin.heading', { client: form.clientName })}</h1>
<form method="post" action="${form.action}" novalidate>
${hidden(form.csrf)}
<label for="email">${t('signin.email.label')}</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${form.email ?? ''}"${describedBy('email', form.error)}>
${fieldError('email', form.error)}
<button type="submit">${t('signin.continue')}</button>
</form>
${googleButton(form)}`, t.locale);
}

export function passwordPage(form: FormBase & { email: string; organization: string; error?: string; restart: string; sso?: { action: string; organization: string }; google?: { action: string } }): Html {
  const t = signinText(form.locale);
  return layout(t('password.title'), html`
<h1>${t('signin.heading', { client: form.clientName })}</h1>
<p class="muted">${form.email} · ${form.organization}</p>
<form method="post" action="${form.action}" novalidate>
${hidden(form.csrf)}
<input type="hidden" name="email" value="${form.email}" autocomplete="username">
<label for="password">${t('password.label')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus${describedBy('password', form.error)}>
${fieldError('password', form.error)}
<button type="submit">${t('password.submit')}</button>
</form>
<p><a href="/account/password/forgot">${t('password.forgot')}</a></p>
${form.sso ? html`<form method="post" action="${form.sso.action}">${hidden(form.csrf)}<button type="submit" class="secondary">${t('password.sso', { organization: form.sso.organization })}</button></form>` : html``}
${googleButton(form)}
<form method="post" action="${form.restart}">${hidden(form.csrf)}<button type="submit" class="secondary">${t('restart.email')}</button></form>`, t.locale);
}

export function otpPage(form: FormBase & { email: string; resend: string; restart: string; error?: string; notice?: string }): Html {
  const t = signinText(form.locale);
  return layout(t('otp.title'), html`
<h1>${t('otp.heading')}</h1>
<p>${t.rich('otp.sent', { email: html`<strong>${form.email}</strong>` })}</p>
${form.notice ? html`<p role="status">${form.notice}</p>` : html``}
<form method="post" action="${form.action}" novalidate>
${hidden(form.csrf)}
<label for="code">${t('otp.label')}</label>
<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus${describedBy('code', form.error)}>
${fieldError('code', form.error)}
<button type="submit">${t('otp.submit')}</button>
</form>
<form method="post" action="${form.resend}">${hidden(form.csrf)}<button type="submit" class="secondary">${t('otp.resend')}</button></form>
<form method="post" action="${form.restart}">${hidden(form.csrf)}<button type="submit" class="secondary">${t('restart.account')}</button></form>`, t.locale);
}

/** Before a code is mailed on top of an existing session: the person asks for it (opening a link mails nothing). */
export function otpOfferPage(form: FormBase & { email: string; organization: string; restart: string }): Html {
  const t = signinText(form.locale);
  return layout(t('otp.title'), html`
<h1>${t('otp.heading')}</h1>
<p>${t.rich('otp.offer', { organization: form.organization, email: html`<strong>${form.email}</strong>` })}</p>
<form method="post" action="${form.action}">${hidden(form.csrf)}<button type="submit">${t('otp.send')}</button></form>
<form method="post" action="${form.restart}">${hidden(form.csrf)}<button type="submit" class="secondary">${t('restart.account')}</button></form>`, t.locale);
}

export function organizationPage(form: FormBase & { organizations: { id: string; name: string; slug: string }[] }): Html {
  const t = signinText(form.locale);
  return layout(t('organization.title'), html`
<h1>${t('organization.title')}</h1>
<p>${t('organization.intro', { client: form.clientName })}</p>
<form method="post" action="${form.action}">
${hidden(form.csrf)}
<ul class="choices">
${form.organizations.map((org) => html`<li><button type="submit" name="organization" value="${org.id}" class="secondary">${org.name} <span class="muted">(${org.slug})</span></button></li>`)}
</ul>
</form>`, t.locale);
}

export function consentPage(form: FormBase & { scopes: string[]; organization: string; abort: string }): Html {
  const t = signinText(form.locale);
  return layout(t('consent.title'), html`
<h1>${t('consent.heading', { client: form.clientName })}</h1>
<p>${t('consent.asks', { client: form.clientName })}</p>
<ul>${form.scopes.map((scope) => html`<li>${scope}</li>`)}</ul>
<p class="muted">${t('consent.organization', { organization: form.organization })}</p>
<form method="post" action="${form.action}">${hidden(form.csrf)}<button type="submit">${t('consent.allow')}</button></form>
<form method="post" action="${form.abort}">${hidden(form.csrf)}<button type="submit" class="secondary">${t('consent.deny')}</button></form>`, t.locale);
}

const METHOD_LABELS: Record<string, SigninMessageId> = { password: 'method.password', google: 'method.google', saml: 'method.saml' };

export function blockedPage(info: { organization: string; allowed: readonly string[]; locale?: Locale }): Html {
  const t = signinText(info.locale);
  const label = (method: string) => (METHOD_LABELS[method] ? t(METHOD_LABELS[method]) : method);
  return layout(t('blocked.title'), html`
<h1>${t('blocked.title')}</h1>
<p class="notice" role="alert">${t('blocked.notice', { organization: info.organization })}</p>
${info.allowed.length > 0
    ? html`<p>${t('blocked.allowed', { methods: info.allowed.map(label).join(', ') })}</p>`
    : html`<p>${t('blocked.noMethod', { organization: info.organization })}</p>`}`, t.locale);
}

export function errorPage(info: { title: string; message: string; requestId?: string; locale?: Locale }): Html {
  const t = signinText(info.locale);
  return layout(info.title, html`
<h1>${info.title}</h1>
<p>${info.message}</p>
${info.requestId ? html`<p class="muted">${t('error.reference')} <code>${info.requestId}</code></p>` : html``}`, t.locale);
}

export function logoutPage(form: { form: string; clientName?: string; locale?: Locale }): Html {
  const t = signinText(form.locale);
  return layout(t('logout.title'), html`
<h1>${form.clientName ? t('logout.headingClient', { client: form.clientName }) : t('logout.heading')}</h1>
${new Html(form.form) /* oidc-provider's own form markup */}
<button type="submit" form="op.logoutForm" name="logout" value="yes">${t('logout.yes')}</button>
<button type="submit" form="op.logoutForm" class="secondary">${t('logout.no')}</button>`, t.locale);
}

export function loggedOutPage(info: { clientName?: string; locale?: Locale }): Html {
  const t = signinText(info.locale);
  return layout(t('loggedOut.title'), html`<h1>${t('loggedOut.heading')}</h1>
<p>${info.clientName ? t('loggedOut.client', { client: info.clientName }) : t('loggedOut.any')}</p>`, t.locale);
}
