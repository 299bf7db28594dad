import { html, type Html } from '../src/http/html.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../src/directory/password-policy.ts';
import { describedBy, fieldError, layout } from './layout.ts';

/* The self-service account pages: accepting an invitation, and resetting a forgotten password. */

interface Form {
  action: string;
  csrf: string;
}

function hidden(name: string, value: string): Html {
  return html`<input type="hidden" name="${name}" value="${value}">`;
}

export interface InvitationForm extends Form {
  token: string;
  organization: string;
  email: string;
  accountExists: boolean;
  /** Show a password field (new account that may use passwords); `passwordRequired` makes it mandatory. */
  askPassword: boolean;
  passwordRequired: boolean;
  name?: string;
  errors?: { name?: string; password?: string };
}

export function invitationPage(form: InvitationForm): Html {
  const errors = form.errors ?? {};
  const intro = form.accountExists
    ? html`<p>You were invited to join <strong>${form.organization}</strong> as <strong>${form.email}</strong>. Your existing account will be added; you keep signing in as you do today.</p>`
    : html`<p>You were invited to join <strong>${form.organization}</strong> as <strong>${form.email}</strong>. Set up your account to accept.</p>`;
  const fields = form.accountExists ? html`` : html`
<label for="name">Full name</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="200" value="${form.name ?? ''}"${describedBy('name', errors.name)}>
${fieldError('name', errors.name)}
${form.askPassword ? html`
<label for="password">Choose a password${form.passwordRequired ? '' : ' (optional: you can also sign in with your organization\'s single sign-on)'}</label>
<input id="password" name="password" type="password" autocomplete="new-password"${form.passwordRequired ? html` required` : html``} minlength="${PASSWORD_MIN_LENGTH}" maxlength="${PASSWORD_MAX_LENGTH}"${describedBy('password', errors.password)}>
<p class="muted" id="password-hint">At least ${PASSWORD_MIN_LENGTH} characters. A long passphrase is best.</p>
${fieldError('password', errors.password)}` : html``}`;
  return layout('Accept the invitation', html`
<h1>Join ${form.organization}</h1>
${intro}
<form method="post" action="${form.action}" novalidate>
${hidden('csrf', form.csrf)}${hidden('token', form.token)}
${fields}
<button type="submit">Accept the invitation</button>
</form>`);
}

export function invitationAcceptedPage(info: { organization: string; createdAccount: boolean }): Html {
  return layout('Invitation accepted', html`
<h1>Welcome to ${info.organization}</h1>
<p role="status">${info.createdAccount ? 'Your account is ready.' : 'Your account has been added.'} You can now sign in to the applications of ${info.organization}.</p>`);
}

export function forgotPasswordPage(form: Form & { email?: string; error?: string }): Html {
  return layout('Forgot your password?', html`
<h1>Forgot your password?</h1>
<p>Enter the email address of your account. If it has one, we will send it a link to choose a new password.</p>
<form method="post" action="${form.action}" novalidate>
${hidden('csrf', form.csrf)}
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${form.email ?? ''}"${describedBy('email', form.error)}>
${fieldError('email', form.error)}
<button type="submit">Send the link</button>
</form>`);
}

/** The same page whether or not the email has an account (no enumeration). */
export function resetLinkSentPage(): Html {
  return layout('Check your email', html`
<h1>Check your email</h1>
<p role="status">If an account uses that address, a link to choose a new password is on its way. The link is valid for 1 hour and works once.</p>`);
}

export function resetPasswordPage(form: Form & { token: string; error?: string }): Html {
  return layout('Choose a new password', html`
<h1>Choose a new password</h1>
<form method="post" action="${form.action}" novalidate>
${hidden('csrf', form.csrf)}${hidden('token', form.token)}
<label for="newPassword">New password</label>
<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN_LENGTH}" maxlength="${PASSWORD_MAX_LENGTH}" autofocus${describedBy('newPassword', form.error)}>
<p class="muted">At least ${PASSWORD_MIN_LENGTH} characters. A long passphrase is best.</p>
${fieldError('newPassword', form.error)}
<button type="submit">Set the password</button>
</form>`);
}

export function passwordResetDonePage(): Html {
  return layout('Password changed', html`
<h1>Password changed</h1>
<p role="status">Your new password is set. You can sign in with it now.</p>`);
}
