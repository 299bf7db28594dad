import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_SECRET } from '../support/admin-client.ts';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK, PASSWORD, relyingParty, type RelyingParty } from '../support/oidc-flow.ts';
import { startPlainSmtp, type RunningSmtp, smtpEnv } from '../support/smtp.ts';

/*
 * The account page over HTTP, on Redis + FerretDB: a person turns two-step verification on or off (asked for
 * their password again) and changes their password; a real SMTP server receives codes and security notices.
 */

const WORLD = fileURLToPath(new URL('../fixtures/mfa-world.yaml', import.meta.url));

let server: TestServer;
let smtp: RunningSmtp;
let rp: RelyingParty;
beforeAll(async () => {
  smtp = await startPlainSmtp();
  server = await startBridgekeeper({
    backends: 'redis+ferretdb',
    bootstrap: WORLD,
    env: smtpEnv(smtp),
  });
  rp = await relyingParty(server.issuer, 'console', CONSOLE_SECRET);
});
afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
});

const mailCount = () => smtp.received.length;
async function mailSince(to: string, since: number) {
  return smtp.waitFor(to, (m) => smtp.received.findIndex((r) => r.mail === m) >= since);
}

/** Signs in on the account page (with the emailed code when one is asked for); returns the settings page. */
async function accountSignIn(email: string, password = PASSWORD): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const start = await browser.open(`${server.issuer}/account`) as Page;
  const since = mailCount();
  let page = await browser.submit(start, '/account/sign-in', { email, password }) as Page;
  if (page.body.includes('/account/sign-in/code')) {
    const code = /\b(\d{6})\b/.exec((await mailSince(email, since)).text ?? '')![1]!;
    page = await browser.submit(page, '/account/sign-in/code', { code }) as Page;
  }
  return { browser, page };
}

/** Whether a sign-in to the console app asks for an emailed code after the password. */
async function journeyAsksForCode(email: string): Promise<boolean> {
  const browser = new Browser();
  const opened = await browser.open((await authorizationUrl(rp)).url.href, CALLBACK) as Page;
  const passwordPage = await browser.submit(opened, '/email', { email }) as Page;
  const after = await browser.submit(passwordPage, '/password', { password: PASSWORD }, CALLBACK);
  return 'body' in after && after.body.includes('one-time-code');
}

describe('the account page', () => {
  it('turns two-step verification on after asking for the password again; sign-ins then ask for a code', async () => {
    expect(await journeyAsksForCode('carol@loose.test')).toBe(false);
    const { browser, page } = await accountSignIn('carol@loose.test');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Off: signing in asks for your password only.');
    const wrong = await browser.submit(page, '/account/mfa', { currentPassword: 'not my password' }) as Page;
    expect(wrong.status).toBe(403);
    expect(await journeyAsksForCode('carol@loose.test')).toBe(false);
    const on = await browser.submit(page, '/account/mfa', { currentPassword: PASSWORD }) as Page;
    expect(on.body).toContain('Two-step verification is on.');
    expect(await journeyAsksForCode('carol@loose.test')).toBe(true);
  });

  it('asks an opted-in user for the code to sign in here, and emails a notice when verification is turned off', async () => {
    const { browser, page } = await accountSignIn('bob@loose.test');
    expect(page.body).toContain('On: signing in asks for a code');
    const since = mailCount();
    const off = await browser.submit(page, '/account/mfa', { currentPassword: PASSWORD }) as Page;
    expect(off.body).toContain('Two-step verification is off.');
    const notice = await mailSince('bob@loose.test', since);
    expect(notice.subject).toBe('Two-step verification was turned off');
    expect(await journeyAsksForCode('bob@loose.test')).toBe(false);
  });

  it('turns verification off, as asked, even when its notice cannot be sent just now', async () => {
    // Carol turned it on above.
    const { browser, page } = await accountSignIn('carol@loose.test');
    expect(page.body).toContain('On: signing in asks for a code');
    const port = smtp.port;
    await smtp.stop();
    try {
      const off = await browser.submit(page, '/account/mfa', { currentPassword: PASSWORD }) as Page;
      expect(off.status).toBe(200);
      expect(off.body).toContain('Two-step verification is off.');
    } finally {
      smtp = await startPlainSmtp({}, port);
    }
    expect(await journeyAsksForCode('carol@loose.test')).toBe(false);
  });

  it('offers no opt-out where every organisation of the user enforces it, and refuses one posted anyway', async () => {
    const { browser, page } = await accountSignIn('alice@strict.test');
    expect(page.body).toContain('Required by Strict Corp');
    expect(page.body).not.toContain('action="/account/mfa"');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const forced = await browser.request(`${server.issuer}/account/mfa`, { form: { csrf, enabled: 'off', currentPassword: PASSWORD } });
    expect(forced.status).toBe(403);
    expect(await journeyAsksForCode('alice@strict.test')).toBe(true);
  });

  it('changes the password with the current one; a wrong current password changes nothing', async () => {
    const { browser, page } = await accountSignIn('dual@example.test');
    expect((await browser.submit(page, '/account/password', { currentPassword: 'nope', newPassword: 'the new passphrase' }) as Page).status).toBe(403);
    expect((await browser.submit(page, '/account/password', { currentPassword: PASSWORD, newPassword: 'short' }) as Page).status).toBe(400);
    expect((await accountSignIn('dual@example.test', 'the new passphrase')).page.status).toBe(401);
    const changed = await browser.submit(page, '/account/password', { currentPassword: PASSWORD, newPassword: 'the new passphrase' }) as Page;
    expect(changed.body).toContain('Your password has been changed.');
    expect((await accountSignIn('dual@example.test', 'the new passphrase')).page.status).toBe(200);
    expect((await accountSignIn('dual@example.test')).page.status).toBe(401);
  });

  it('changes nothing without a signed-in session, nor with a session still waiting for its code', async () => {
    const stranger = new Browser();
    const signIn = await stranger.open(`${server.issuer}/account`) as Page;
    const csrf = /name="csrf" value="([^"]+)"/.exec(signIn.body)![1]!;
    const posted = await stranger.request(`${server.issuer}/account/mfa`, { form: { csrf, enabled: 'off', currentPassword: PASSWORD } });
    expect(posted.status).toBe(401);
    // Password right, code not given yet: the session cannot change anything.
    const halfway = await stranger.submit(signIn, '/account/sign-in', { email: 'sam@strict.test', password: PASSWORD }) as Page;
    expect(halfway.body).toContain('/account/sign-in/code');
    const early = await stranger.request(`${server.issuer}/account/password`, { form: { csrf, currentPassword: PASSWORD, newPassword: 'taken over by now' } });
    expect(early.status).toBe(401);
    expect((await accountSignIn('sam@strict.test')).page.status).toBe(200);
  });
});
