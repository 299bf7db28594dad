import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK, exchange, relyingParty, signIn, type RelyingParty } from '../support/oidc-flow.ts';
import { linkIn, startPlainSmtp, type RunningSmtp, smtpEnv } from '../support/smtp.ts';
import { openStoresBeside } from '../support/stores-beside.ts';

/*
 * Setting a password again ends every sign-in made before: someone who signed in with a stolen password keeps
 * neither the single sign-on session, nor a refresh token, nor an account-page session once the owner of the
 * account resets it (or changes it on the account page, whose own session goes on).
 */

const WORLD = fileURLToPath(new URL('../fixtures/oidc-world.yaml', import.meta.url));
const OLD = 'correct horse battery staple';
const MULTIS_NEW = 'a new one of my own 2026';

let server: TestServer;
let smtp: RunningSmtp;
let rp: RelyingParty;
beforeAll(async () => {
  smtp = await startPlainSmtp();
  server = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap: WORLD, env: smtpEnv(smtp) });
  rp = await relyingParty(server.issuer, 'rp-first', 'first-party-secret-0123456789abcdef');
});
afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
});

async function page(browser: Browser, url: string): Promise<Page> {
  const result = await browser.open(url);
  if (!isPage(result)) throw new Error(`redirected to ${result.redirectedTo}`);
  return result;
}

async function submit(browser: Browser, from: Page, action: string, fields: Record<string, string>): Promise<Page> {
  const result = await browser.submit(from, action, fields);
  if (!isPage(result)) throw new Error(`redirected to ${result.redirectedTo}`);
  return result;
}

async function accountSignIn(email: string, password: string) {
  const browser = new Browser();
  const settings = await submit(browser, await page(browser, `${server.issuer}/account`), '/account/sign-in', { email, password });
  expect(settings.body).toContain('Change password');
  return browser;
}

const accountPage = async (browser: Browser) => (await page(browser, `${server.issuer}/account`)).body;

describe('a password set again ends the sign-ins made before', () => {
  it('after a reset: the old single sign-on session, refresh token and account-page session serve no more', async () => {
    // Someone holding the password signs in: an app session with a refresh token, and the account page.
    const intruder = new Browser();
    const started = await authorizationUrl(rp, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await exchange(rp, started, await signIn(intruder, started, { email: 'ada@acme.test' }));
    expect(tokens.refresh_token).toBeTruthy();
    const intrudersAccount = await accountSignIn('ada@acme.test', OLD);
    // ...and a code not redeemed yet, and an access token.
    const pending = await authorizationUrl(rp);
    const pendingCode = await intruder.open(pending.url.href, CALLBACK);
    if (isPage(pendingCode)) throw new Error('no silent code');

    // A second later (sign-in times are seconds), the account's owner resets the password from the emailed link.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const before = smtp.received.length;
    const asker = new Browser();
    await submit(asker, await page(asker, `${server.issuer}/account/password/forgot`), '/account/password/forgot', { email: 'ada@acme.test' });
    const mail = await smtp.waitFor('ada@acme.test', (m) => smtp.received.findIndex((r) => r.mail === m) >= before);
    const link = linkIn(mail, `${server.issuer}/account/password/reset?token=`);
    expect((await submit(asker, await page(asker, link), '/account/password/reset', { newPassword: 'taken back for good 2026' })).body).toContain('Password changed');

    // The intruder's browser is asked to sign in again, silently gets nothing, and the refresh token is dead.
    const again = await authorizationUrl(rp);
    const reused = await intruder.open(again.url.href, CALLBACK);
    expect(isPage(reused) && reused.body).toContain('name="email"');
    const silent = await intruder.open((await authorizationUrl(rp, { prompt: 'none' })).url.href, CALLBACK);
    if (isPage(silent)) throw new Error(`prompt=none showed a page: ${silent.status}`);
    expect(new URL(silent.redirectedTo).searchParams.get('code')).toBeNull();
    expect(new URL(silent.redirectedTo).searchParams.get('error')).toMatch(/_required$/);
    await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(exchange(rp, pending, pendingCode.redirectedTo)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.fetchUserInfo(rp.config, tokens.access_token, client.skipSubjectCheck)).rejects.toBeDefined();
    expect(await accountPage(intrudersAccount)).not.toContain('Change password');

    // The new password signs in, and that session is reused as any other.
    const owner = new Browser();
    const fresh = await authorizationUrl(rp);
    await exchange(rp, fresh, await signIn(owner, fresh, { email: 'ada@acme.test', password: 'taken back for good 2026' }));
    expect(isPage(await owner.open((await authorizationUrl(rp)).url.href, CALLBACK))).toBe(false);
  });

  it('after a change on the account page: that page goes on, the account\'s other sessions end', async () => {
    const elsewhere = await accountSignIn('multi@example.test', OLD);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const here = await accountSignIn('multi@example.test', OLD);
    const settings = await page(here, `${server.issuer}/account`);
    const changed = await submit(here, settings, '/account/password', { currentPassword: OLD, newPassword: MULTIS_NEW });
    expect(changed.body).toContain('Your password has been changed.');
    expect(await accountPage(here)).toContain('Change password');
    expect(await accountPage(elsewhere)).not.toContain('Change password');
  });
});

describe('the current password asked again on the account page', () => {
  it('is limited as signing in is, on a budget of its own: an open session is no way to guess it faster', async () => {
    const browser = await accountSignIn('multi@example.test', MULTIS_NEW);
    // Someone guessing at the sign-in form uses up the account's sign-in budget...
    const guesser = new Browser();
    for (let i = 0; i < 11; i++) await guesser.submit(await page(guesser, `${server.issuer}/account`), '/account/sign-in', { email: 'multi@example.test', password: `nope ${i}` });
    const locked = await guesser.submit(await page(guesser, `${server.issuer}/account`), '/account/sign-in', { email: 'multi@example.test', password: MULTIS_NEW });
    expect(isPage(locked) && locked.status).toBe(429);
    // ...which does not stop the signed-in owner of the account from confirming their password.
    const confirmed = await submit(browser, await page(browser, `${server.issuer}/account`), '/account/mfa', { enabled: 'on', currentPassword: MULTIS_NEW });
    expect(confirmed.body).toContain('Two-step verification is on.');

    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const settings = await page(browser, `${server.issuer}/account`);
      statuses.push((await submit(browser, settings, '/account/mfa', { currentPassword: `guess ${i}` })).status);
    }
    expect(new Set(statuses)).toEqual(new Set([403]));
    // The eleventh, right or wrong, on either form, waits.
    for (const [action, fields] of [['/account/mfa', { currentPassword: MULTIS_NEW }], ['/account/password', { currentPassword: MULTIS_NEW, newPassword: 'yet another one 2026' }]] as const) {
      const limited = await submit(browser, await page(browser, `${server.issuer}/account`), action, fields);
      expect(limited.status).toBe(429);
      expect(limited.body).toContain('Too many attempts');
    }
    // Still on: none of the limited requests turned it off.
    expect(await accountPage(browser)).toContain('On: signing in asks for a code');
  });
});

describe('an account disabled', () => {
  it('ends its account-page session at once', async () => {
    const browser = await accountSignIn('suspended@acme.test', OLD);
    const stores = await openStoresBeside(server.config);
    try {
      const user = (await stores.users.findByEmail('suspended@acme.test'))!;
      await stores.users.update(user.id, { status: 'disabled' });
    } finally {
      await stores.close();
    }
    expect(await accountPage(browser)).not.toContain('Change password');
  });
});
