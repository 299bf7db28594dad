import { html, type Html } from '../src/http/html.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../src/directory/password-policy.ts';
import { describedBy, fieldError, layout } from './layout.ts';

/* The account page: a person's own sign-in settings, outside any application. */

interface Form {
  csrf: string;
}

const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;

export function accountSignInPage(form: Form & { email?: string; error?: string }): Html {
  return layout('Your account', html`
<h1>Manage your account</h1>
<p>Sign in to change your password or your two-step verification.</p>
<form method="post" action="/account/sign-in" novalidate>
${csrfField(form.csrf)}
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${form.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${describedBy('password', form.error)}>
${fieldError('password', form.error)}
<button type="submit">Sign in</button>
</form>
<p><a href="/account/password/forgot">Forgot your password?</a></p>`);
}

export function accountCodePage(form: Form & { email: string; error?: string }): Html {
  return layout('Enter your code', html`
<h1>Check your email</h1>
<p>We sent a 6-digit code to <strong>${form.email}</strong>.</p>
<form method="post" action="/account/sign-in/code" novalidate>
${csrfField(form.csrf)}
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus${describedBy('code', form.error)}>
${fieldError('code', form.error)}
<button type="submit">Verify</button>
</form>`);
}

export interface SettingsView extends Form {
  email: string;
  name: string;
  hasPassword: boolean;
  mfa: { optIn: boolean; enforcedBy: string[]; enforcedEverywhere: boolean };
  notice?: string;
  errors?: { mfa?: string; currentPassword?: string; newPassword?: string };
}

function mfaSection(view: SettingsView): Html {
  const { mfa } = view;
  const errors = view.errors ?? {};
  const enforced = mfa.enforcedBy.length > 0
    ? html`<p class="muted">Required by ${mfa.enforcedBy.join(', ')}: signing in there always asks for a code.</p>`
    : html``;
  if (mfa.enforcedEverywhere) return html`<h2>Two-step verification</h2><p>On.</p>${enforced}`;
  return html`<h2>Two-step verification</h2>
<p>${mfa.optIn ? 'On: signing in asks for a code sent to your email.' : 'Off: signing in asks for your password only.'}</p>
${enforced}
<form method="post" action="/account/mfa" novalidate>
${csrfField(view.csrf)}
<input type="hidden" name="enabled" value="${mfa.optIn ? 'off' : 'on'}">
<label for="mfa-password">Current password</label>
<input id="mfa-password" name="currentPassword" type="password" autocomplete="current-password" required${describedBy('mfa-password', errors.mfa)}>
${fieldError('mfa-password', errors.mfa)}
<button type="submit">${mfa.optIn ? 'Turn two-step verification off' : 'Turn two-step verification on'}</button>
</form>`;
}

export function accountSettingsPage(view: SettingsView): Html {
  const errors = view.errors ?? {};
  return layout('Your account', html`
<h1>${view.name}</h1>
<p class="muted">${view.email}</p>
${view.notice ? html`<p role="status">${view.notice}</p>` : html``}
${view.hasPassword ? mfaSection(view) : html`<p>Your account signs in through your organization's single sign-on; its settings are managed there.</p>`}
${view.hasPassword ? html`<h2>Password</h2>
<form method="post" action="/account/password" novalidate>
${csrfField(view.csrf)}
<label for="currentPassword">Current password</label>
<input id="currentPassword" name="currentPassword" type="password" autocomplete="current-password" required${describedBy('currentPassword', errors.currentPassword)}>
${fieldError('currentPassword', errors.currentPassword)}
<label for="newPassword">New password</label>
<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN_LENGTH}" maxlength="${PASSWORD_MAX_LENGTH}"${describedBy('newPassword', errors.newPassword)}>
${fieldError('newPassword', errors.newPassword)}
<button type="submit">Change password</button>
</form>` : html``}
<form method="post" action="/account/sign-out">${csrfField(view.csrf)}<button type="submit" class="secondary">Sign out</button></form>`);
}
