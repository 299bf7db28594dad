import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld, type AdminWorld } from '../../support/admin-world.ts';
import { Browser, isPage, type Page } from '../../support/browser.ts';
import { linkIn } from '../../support/smtp.ts';

/*
 * A user's own password over HTTP: change it (old + new) through the API, or reset a forgotten one through the
 * emailed link. Neither reveals whether an email has an account.
 */

let world: AdminWorld;
beforeAll(async () => { world = await startAdminWorld(); });
afterAll(async () => { await world?.stop(); });

const OLD = 'correct horse battery staple';

async function page(browser: Browser, url: string): Promise<Page> {
  const result = await browser.open(url);
  if (!isPage(result)) throw new Error('redirected');
  return result;
}

async function submit(browser: Browser, from: Page, action: string, fields: Record<string, string>): Promise<Page> {
  const result = await browser.submit(from, action, fields);
  if (!isPage(result)) throw new Error('redirected');
  return result;
}

async function requestReset(email: string): Promise<Page> {
  const browser = new Browser();
  const form = await page(browser, `${world.server.issuer}/account/password/forgot`);
  return submit(browser, form, '/account/password/forgot', { email });
}

describe('changing one\'s password', () => {
  it('needs the current password; the new one must follow the policy; then only the new one signs in', async () => {
    const dev = await world.as('dev@imgco.test');
    expect(await dev.post('/me/password', { currentPassword: 'not it', newPassword: 'a brand new passphrase' }))
      .toMatchObject({ status: 403, body: { code: 'invalid_current_password' } });
    const weak = await dev.post<{ details: { path: string }[] }>('/me/password', { currentPassword: OLD, newPassword: 'password' });
    expect(weak.status).toBe(400);
    expect(weak.body.details.map((d) => d.path)).toContain('newPassword');
    expect((await dev.post('/me/password', { currentPassword: OLD, newPassword: 'a brand new passphrase' })).status).toBe(204);
    await expect(world.signInClaims('dev@imgco.test', { password: OLD })).rejects.toThrow();
    expect((await world.signInClaims('dev@imgco.test', { password: 'a brand new passphrase' })).email).toBe('dev@imgco.test');
  });

  it('is refused to API keys', async () => {
    const created = await (await world.as('owner@imgco.test')).post<{ key: string }>('/api-keys', { name: 'k', roles: [{ role: 'developer' }] });
    expect((await world.withCredential(created.body.key).post('/me/password', { currentPassword: 'x', newPassword: 'a brand new passphrase' })).status).toBe(403);
  });
});

describe('forgot password', () => {
  it('answers the same for an account and an unknown email, and emails only the account', async () => {
    const before = world.smtp.received.length;
    const known = await requestReset('viewer@imgco.test');
    const unknown = await requestReset('nobody@imgco.test');
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toBe(known.body);
    await world.smtp.waitFor('viewer@imgco.test', (m) => world.smtp.received.findIndex((r) => r.mail === m) >= before);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(world.smtp.received.map((r) => r.envelope.to[0])).not.toContain('nobody@imgco.test');
  });

  it('sets a new password through the single-use link, which then stops working', async () => {
    const before = world.smtp.received.length;
    await requestReset('admin@imgco.test');
    const mail = await world.smtp.waitFor('admin@imgco.test', (m) => world.smtp.received.findIndex((r) => r.mail === m) >= before);
    expect(mail.subject).toBe('Reset your password');
    const link = linkIn(mail, `${world.server.issuer}/account/password/reset?token=`);

    const browser = new Browser();
    const form = await page(browser, link);
    expect(form.headers.get('referrer-policy')).toBe('no-referrer');
    const weak = await submit(browser, form, '/account/password/reset', { newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body).toContain('newPassword-error');
    // A refused password did not spend the link.
    const done = await submit(browser, form, '/account/password/reset', { newPassword: 'reset to something long' });
    expect(done.status).toBe(200);
    expect(done.body).toContain('Password changed');
    expect((await world.signInClaims('admin@imgco.test', { password: 'reset to something long' })).email).toBe('admin@imgco.test');

    const later = new Browser();
    const again = await submit(later, await page(later, link), '/account/password/reset', { newPassword: 'and once more please' });
    expect(again.status).toBe(400);
    expect(again.body).toContain('not valid');
  });

  it('opens nothing with an earlier link once another was asked for: only the newest works', async () => {
    const links: string[] = [];
    for (let i = 0; i < 2; i++) {
      const before = world.smtp.received.length;
      await requestReset('dev@imgco.test');
      const mail = await world.smtp.waitFor('dev@imgco.test', (m) => world.smtp.received.findIndex((r) => r.mail === m) >= before);
      links.push(linkIn(mail, `${world.server.issuer}/account/password/reset?token=`));
    }
    const first = new Browser();
    const stale = await submit(first, await page(first, links[0]!), '/account/password/reset', { newPassword: 'from the first email' });
    expect(stale.status).toBe(400);
    expect(stale.body).toContain('not valid');
    const second = new Browser();
    const done = await submit(second, await page(second, links[1]!), '/account/password/reset', { newPassword: 'from the second email' });
    expect(done.body).toContain('Password changed');
  });

  it('refuses forms posted without the page\'s CSRF token, and sends nothing', async () => {
    const before = world.smtp.received.length;
    const forged = await new Browser().request(`${world.server.issuer}/account/password/forgot`, { form: { email: 'owner@imgco.test', csrf: 'x' } });
    expect(forged.status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(world.smtp.received.length).toBe(before);
  });
});
