import { Html, html } from '../src/http/html.ts';
import { describedBy, fieldError, layout } from './layout.ts';

export interface FormBase {
  /** Form target. */
  action: string;
  csrf: string;
  clientName: string;
}

function hidden(csrf: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

function googleButton(form: FormBase & { google?: { action: string } }): Html {
  return form.google ? html`<form method="post" action="${form.google.action}">${hidden(form.csrf)}<button type="submit" class="secondary">Continue with Google</button></form>` : html``;
}

export function emailPage(form: FormBase & { email?: string; error?: string; google?: { action: string } }): Html {
  return layout('Sign in', html`
<h1>Sign in to ${form.clientName}</h1>
<form method="post" action="${form.action}" novalidate>
${hidden(form.csrf)}
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${form.email ?? ''}"${describedBy('email', form.error)}>
${fieldError('email', form.error)}
<button type="submit">Continue</button>
</form>
${googleButton(form)}`);
}

export function passwordPage(form: FormBase & { email: string; organization: string; error?: string; restart: string; sso?: { action: string; organization: string }; google?: { action: string } }): Html {
  return layout('Enter your password', html`
<h1>Sign in to ${form.clientName}</h1>
<p class="muted">${form.email} · ${form.organization}</p>
<form method="post" action="${form.action}" novalidate>
${hidden(form.csrf)}
<input type="hidden" name="email" value="${form.email}" autocomplete="username">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus${describedBy('password', form.error)}>
${fieldError('password', form.error)}
<button type="submit">Sign in</button>
</form>
<p><a href="/account/password/forgot">Forgot your password?</a></p>
${form.sso ? html`<form method="post" action="${form.sso.action}">${hidden(form.csrf)}<button type="submit" class="secondary">Sign in with ${form.sso.organization} single sign-on</button></form>` : html``}
${googleButton(form)}
<form method="post" action="${form.restart}">${hidden(form.csrf)}<button type="submit" class="secondary">Use another email</button></form>`);
}

export function otpPage(form: FormBase & { email: string; resend: string; restart: string; error?: string; notice?: string }): Html {
  return layout('Enter your code', html`
<h1>Check your email</h1>
<p>We sent a 6-digit code to <strong>${form.email}</strong>. It is valid for 10 minutes.</p>
${form.notice ? html`<p role="status">${form.notice}</p>` : html``}
<form method="post" action="${form.action}" novalidate>
${hidden(form.csrf)}
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus${describedBy('code', form.error)}>
${fieldError('code', form.error)}
<button type="submit">Verify</button>
</form>
<form method="post" action="${form.resend}">${hidden(form.csrf)}<button type="submit" class="secondary">Send a new code</button></form>
<form method="post" action="${form.restart}">${hidden(form.csrf)}<button type="submit" class="secondary">Use another account</button></form>`);
}

export function organizationPage(form: FormBase & { organizations: { id: string; name: string; slug: string }[] }): Html {
  return layout('Choose an organization', html`
<h1>Choose an organization</h1>
<p>Your account belongs to several organizations. Which one do you want to use with ${form.clientName}?</p>
<form method="post" action="${form.action}">
${hidden(form.csrf)}
<ul class="choices">
${form.organizations.map((org) => html`<li><button type="submit" name="organization" value="${org.id}" class="secondary">${org.name} <span class="muted">(${org.slug})</span></button></li>`)}
</ul>
</form>`);
}

export function consentPage(form: FormBase & { scopes: string[]; organization: string; abort: string }): Html {
  return layout('Allow access', html`
<h1>Allow ${form.clientName} to access your account?</h1>
<p>${form.clientName} asks for: </p>
<ul>${form.scopes.map((scope) => html`<li>${scope}</li>`)}</ul>
<p class="muted">Organization: ${form.organization}</p>
<form method="post" action="${form.action}">${hidden(form.csrf)}<button type="submit">Allow</button></form>
<form method="post" action="${form.abort}">${hidden(form.csrf)}<button type="submit" class="secondary">Deny</button></form>`);
}

const METHOD_LABELS: Record<string, string> = { password: 'password', google: 'Google', saml: 'single sign-on' };

export function blockedPage(info: { organization: string; allowed: readonly string[] }): Html {
  return layout('Access blocked', html`
<h1>Access blocked</h1>
<p class="notice" role="alert">${info.organization} does not allow this sign-in method.</p>
${info.allowed.length > 0
    ? html`<p>Allowed sign-in methods: ${info.allowed.map((m) => METHOD_LABELS[m] ?? m).join(', ')}.</p>`
    : html`<p>Your account has no sign-in method in ${info.organization}. Ask one of its administrators.</p>`}`);
}

export function errorPage(info: { title: string; message: string; requestId?: string }): Html {
  return layout(info.title, html`
<h1>${info.title}</h1>
<p>${info.message}</p>
${info.requestId ? html`<p class="muted">Reference: <code>${info.requestId}</code></p>` : html``}`);
}

export function logoutPage(form: { form: string; clientName?: string }): Html {
  return layout('Sign out', html`
<h1>Sign out${form.clientName ? html` of ${form.clientName}` : html``}?</h1>
${new Html(form.form) /* oidc-provider's own form markup */}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`);
}

export function loggedOutPage(info: { clientName?: string }): Html {
  return layout('Signed out', html`<h1>You are signed out</h1>
<p>${info.clientName ? `You have signed out of ${info.clientName}.` : 'You have signed out.'}</p>`);
}
