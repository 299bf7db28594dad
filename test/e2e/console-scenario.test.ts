import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPage, launchChromium } from '../support/chromium.ts';
import { startConsoleWorld, type ConsoleWorld } from '../support/console-world.ts';
import { PASSWORD } from '../support/oidc-flow.ts';

/*
 * An IT admin sets up single sign-on in the console, in a real browser: signs in, registers the company's
 * SAML IdP from its metadata, maps an IdP group to a role (after a dry run), enables the connection with
 * just-in-time provisioning, then enforces SAML and MFA. A member then signs in to a relying app through the
 * IdP and the emailed one-time code, and the ID token carries the mapped role.
 */
describe('admin console, end to end in Chromium', () => {
  let world: ConsoleWorld;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [world, browser] = await Promise.all([startConsoleWorld(), launchChromium()]);
    // bypassCSP only so that axe-core can be injected; csp.test.ts checks the pages under their real policy.
    admin = await browser.newContext({ bypassCSP: true, locale: 'en-US' });
    admin.setDefaultTimeout(8_000);
    page = await admin.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('signs the IT admin in through Bridgekeeper itself', async () => {
    await page.goto(`${world.issuer}/console`);
    await expect.poll(() => page.getByLabel('Email address').isVisible()).toBe(true);
    await checkPage(page, 'signin-email');
    await page.getByLabel('Email address').fill('it-admin@acme.test');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill(PASSWORD);
    await checkPage(page, 'signin-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/console\/organization$/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Organization settings');
    await expect.poll(() => page.getByText('Signed in as Ida Admin').isVisible()).toBe(true);
  }, 30_000);

  it('registers the SAML IdP from its metadata and shows what to enter at the IdP', async () => {
    await page.goto(`${world.issuer}/console/connections/new`);
    await page.getByLabel('Name', { exact: true }).fill('Acme Okta');
    await page.getByLabel('Metadata XML document').fill(world.idpServer.metadataXml());
    await checkPage(page, 'console-connection-new');
    await page.getByRole('button', { name: 'Add the connection' }).click();
    await page.waitForURL(/\/console\/connections\/[0-9a-z]+\?notice=connection\.created$/);
    expect(await page.getByRole('status').first().textContent()).toContain('The connection was added');
    const acsUrl = await page.getByLabel('Assertion consumer service URL').inputValue();
    expect(acsUrl).toMatch(new RegExp(`^${world.issuer}/saml/[0-9a-z]+/acs$`));
    expect(await page.getByLabel('SP entity ID (audience)').inputValue()).toBe(acsUrl.replace(/\/acs$/, ''));
    expect(await page.getByLabel('SP metadata URL').inputValue()).toMatch(/\/saml\/[0-9a-z]+\/metadata$/);
    expect(await page.locator('table', { hasText: 'IdP certificates' }).textContent()).toContain('idp.example.test');
    await checkPage(page, 'console-connection');
  });

  it('maps an IdP group to a role, tried first with a dry run', async () => {
    await page.getByRole('link', { name: /Edit the mapping rules/ }).click();
    await page.getByLabel('Attribute', { exact: true }).first().fill('groups');
    await page.getByLabel('Equals', { exact: true }).first().fill('okta-it-admins');
    await page.getByLabel('Roles (ids, comma-separated)').first().fill('developer');
    await page.getByLabel('Assertion or attributes').fill('email: erin@acme.test\ngroups: okta-everyone, okta-it-admins');
    await page.getByRole('button', { name: 'Try the rules above' }).click();
    const result = page.locator('#dry-run-result');
    expect(await result.textContent()).toMatch(/Roles given\s*developer/);
    expect(await result.textContent()).toMatch(/IdP groups\s*okta-everyone, okta-it-admins/);
    await checkPage(page, 'console-mapping-dry-run');
    await page.getByRole('button', { name: 'Save the rules' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('The mapping rules were saved.');
    // The saved rule comes back in the editor, with a blank row to add another.
    expect(await page.getByLabel('Equals', { exact: true }).first().inputValue()).toBe('okta-it-admins');
  });

  it('enables just-in-time provisioning and the connection', async () => {
    await page.getByRole('link', { name: 'Acme Okta' }).click();
    await page.getByLabel('Create accounts for people the IdP vouches for').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('The connection was saved.');
    await page.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('The connection is enabled.');
    // Disabling asks first, on a page of its own.
    await page.getByRole('link', { name: 'Disable…' }).click();
    await checkPage(page, 'console-confirm-disable');
    await page.getByRole('link', { name: 'Cancel' }).click();
    expect(await page.locator('.badge').first().textContent()).toBe('Enabled');
  });

  it('enforces SAML sign-in and MFA for the organisation', async () => {
    await page.goto(`${world.issuer}/console/organization`);
    await page.getByLabel('Password', { exact: true }).uncheck();
    await page.getByLabel('Single sign-on (SAML)').check();
    await page.getByLabel('Owners may still sign in with a password while single sign-on is enforced').check();
    await page.getByLabel('Required for every member').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('The settings were saved.');
    expect(await page.getByLabel('Single sign-on (SAML)').isChecked()).toBe(true);
    expect(await page.getByLabel('Required for every member').isChecked()).toBe(true);
    await checkPage(page, 'console-organization');
  });

  it('a member signs in to the demo app through the IdP and an emailed code, and gets the mapped role', async () => {
    world.signInAs = { nameId: 'erin@acme.test', attributes: { email: 'erin@acme.test', name: 'Erin Engineer', groups: ['okta-everyone', 'okta-it-admins'] } };
    const member = await browser.newContext({ bypassCSP: true });
    member.setDefaultTimeout(8_000);
    const tab = await member.newPage();
    await tab.goto(`${world.issuer}/demo`);
    await tab.getByRole('button', { name: 'Sign in with Bridgekeeper' }).click();
    await tab.getByLabel('Email address').fill('erin@acme.test');
    await tab.getByRole('button', { name: 'Continue' }).click();
    // Acme allows SAML only: straight to the IdP, whose form posts back to the ACS, then the code is due.
    await tab.getByLabel('Code').waitFor();
    await checkPage(tab, 'signin-one-time-code');
    const mail = await world.smtp.waitFor('erin@acme.test', (m) => /\b\d{6}\b/.test(m.text ?? ''));
    await tab.getByLabel('Code').fill(/\b(\d{6})\b/.exec(mail.text!)![1]!);
    await tab.getByRole('button', { name: 'Verify' }).click();
    await tab.waitForURL(/\/demo\/callback/);
    const claims = JSON.parse((await tab.locator('#claims').textContent())!) as Record<string, unknown>;
    expect(claims).toMatchObject({ email: 'erin@acme.test', org: expect.anything() });
    expect(JSON.stringify(claims.roles)).toContain('developer');
    expect(claims.amr).toEqual(expect.arrayContaining(['otp']));
    await checkPage(tab, 'demo-id-token');
    await member.close();
  }, 30_000);

  it('shows the provisioned member, and the audit log records the changes', async () => {
    await page.goto(`${world.issuer}/console/users?search=erin`);
    expect(await page.locator('table').textContent()).toContain('erin@acme.test');
    expect(await page.locator('table').textContent()).toContain('Developer');
    await checkPage(page, 'console-users');
    await page.goto(`${world.issuer}/console/audit?action=connection.updated`);
    expect(await page.locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    await checkPage(page, 'console-audit');
  });
});
