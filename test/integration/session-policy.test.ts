import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { CONSOLE_SECRET } from '../support/admin-client.ts';
import { authorizationUrl, CALLBACK, exchange, PASSWORD, relyingParty, signIn } from '../support/oidc-flow.ts';
import { startSamlWorld, type SamlSignInWorld } from '../support/saml-world.ts';
import { openStoresBeside } from '../support/stores-beside.ts';

/*
 * An existing session serves another organisation only if that organisation accepts how the session was made:
 * a password session does not open an organisation that enforces SSO, and a federated session does not open
 * one that signs in with passwords. Both go through the organisation's own method instead.
 */

let world: SamlSignInWorld;
beforeAll(async () => {
  world = await startSamlWorld({
    extra: {
      organizations: [{ slug: 'pwdco', name: 'Password Co', loginPolicy: { methods: ['password'] } }],
      users: [
        { email: 'dual@samlco.test', name: 'Dual', password: PASSWORD, emailVerified: true },
        { email: 'contractor@agency.test', name: 'Contractor', password: PASSWORD, emailVerified: true },
        { email: 'outsider@agency.test', name: 'Outsider', password: PASSWORD, emailVerified: true },
        { email: 'both@agency.test', name: 'Both', password: PASSWORD, emailVerified: true },
        { email: 'leaver@agency.test', name: 'Leaver', password: PASSWORD, emailVerified: true },
      ],
      memberships: [
        { user: 'dual@samlco.test', org: 'pwdco', roles: ['developer'] }, { user: 'dual@samlco.test', org: 'samlco', roles: ['developer'] },
        { user: 'contractor@agency.test', org: 'samlco', roles: ['analyst'] }, { user: 'outsider@agency.test', org: 'pwdco', roles: ['analyst'] },
        { user: 'both@agency.test', org: 'pwdco', roles: ['analyst'] }, { user: 'both@agency.test', org: 'samlco', roles: ['analyst'] },
        { user: 'leaver@agency.test', org: 'pwdco', roles: ['analyst'] },
      ],
      clients: [{ clientId: 'app2', name: 'App two', redirectUris: [CALLBACK], clientSecret: CONSOLE_SECRET, firstParty: true, idTokenSignedResponseAlg: 'ES256' }],
    },
  });
});
afterAll(async () => { await world?.stop(); });

describe('session reuse across organisations', () => {
  it('does not let a password session into an organisation enforcing SSO: the browser goes to its IdP', async () => {
    const browser = new Browser();
    const first = await authorizationUrl(world.rp, { organization: 'pwdco' });
    expect((await exchange(world.rp, first, await signIn(browser, first, { email: 'dual@samlco.test', organization: 'pwdco' }))).claims()?.org).toBe('pwdco');

    // Same browser, same session, now for the SSO-only organisation: no silent code.
    const second = await authorizationUrl(world.rp, { organization: 'samlco' });
    const result = await browser.open(second.url.href, CALLBACK);
    expect(isPage(result)).toBe(true);
    const page = result as Page;
    expect(page.body).toContain('/email');
    const atIdp = await browser.submit(page, '/email', { email: 'dual@samlco.test' }, world.idp.ssoUrl);
    expect(isPage(atIdp)).toBe(false);
    if (!isPage(atIdp)) expect(atIdp.redirectedTo.startsWith(world.idp.ssoUrl)).toBe(true);
  });

  it('does not let a federated session into a password organisation: it asks for the password', async () => {
    const { browser, started, request } = await world.toIdp();
    const samlResponse = await world.idp.respond({ sp: request, inResponseTo: request.id, nameId: 'dual@samlco.test', attributes: { email: 'dual@samlco.test' } });
    expect((await world.finish(started, await world.post(browser, request.acsUrl, samlResponse, request.relayState))).org).toBe('samlco');

    const next = await authorizationUrl(world.rp, { organization: 'pwdco' });
    const result = await browser.open(next.url.href, CALLBACK);
    expect(isPage(result) && result.body).toContain('/email');
    const tokens = await exchange(world.rp, next, await signIn(browser, next, { email: 'dual@samlco.test', organization: 'pwdco' }));
    expect(tokens.claims()).toMatchObject({ org: 'pwdco', amr: ['pwd'] });
  });

  it('keeps the organisation picked when the session does not open it: signing in again goes that organisation\'s way', async () => {
    const browser = new Browser();
    const first = await authorizationUrl(world.rp, { organization: 'pwdco' });
    await exchange(world.rp, first, await signIn(browser, first, { email: 'both@agency.test', organization: 'pwdco' }));

    // Another app, which names no organisation; the account picks SAML Co, which its password session does not open.
    const app2 = await relyingParty(world.server.issuer, 'app2', CONSOLE_SECRET);
    const pickSamlCo = async () => {
      const picker = await browser.open((await authorizationUrl(app2)).url.href, CALLBACK) as Page;
      const samlco = /value="([^"]+)"[^>]*>SAML Co /.exec(picker.body)?.[1];
      expect(samlco).toBeDefined();
      const emailPage = await browser.submit(picker, '/organization', { organization: samlco! }) as Page;
      expect(emailPage.body).toContain('name="email"');
      return emailPage;
    };
    // The email's domain is no organisation's: the one picked sends the browser to its IdP.
    const atIdp = await browser.submit(await pickSamlCo(), '/email', { email: 'both@agency.test' }, world.idp.ssoUrl);
    if (isPage(atIdp)) throw new Error(`did not go to the IdP: ${atIdp.status} ${atIdp.body.slice(0, 300)}`);
    expect(atIdp.redirectedTo.startsWith(world.idp.ssoUrl)).toBe(true);
    // Another account typed there is not the one that picked: it signs in its own way (a password, for Outsider).
    const other = await browser.submit(await pickSamlCo(), '/email', { email: 'outsider@agency.test' }, world.idp.ssoUrl);
    expect(isPage(other) && other.body).toContain('name="password"');
  });

  it('answers nothing silently once the member is suspended: the app gets the "no access" page, not a code', async () => {
    const browser = new Browser();
    const first = await authorizationUrl(world.rp, { organization: 'pwdco' });
    await exchange(world.rp, first, await signIn(browser, first, { email: 'leaver@agency.test', organization: 'pwdco' }));
    const stores = await openStoresBeside(world.server.config);
    try {
      const leaver = (await stores.users.findByEmail('leaver@agency.test'))!;
      const pwdco = (await stores.organizations.findBySlug('pwdco'))!;
      const membership = (await stores.memberships.findFor(pwdco.id, leaver.id))!;
      await stores.memberships.update(membership.id, { status: 'suspended' });
    } finally {
      await stores.close();
    }
    for (const params of [{}, { organization: 'pwdco' }] as Record<string, string>[]) {
      const result = await browser.open((await authorizationUrl(world.rp, params)).url.href, CALLBACK);
      if (!isPage(result)) throw new Error(`answered silently: ${result.redirectedTo}`);
      expect(result.status).toBe(403);
    }
  });

  it('still reuses a password session silently where passwords are accepted', async () => {
    const browser = new Browser();
    const first = await authorizationUrl(world.rp, { organization: 'pwdco' });
    await exchange(world.rp, first, await signIn(browser, first, { email: 'dual@samlco.test', organization: 'pwdco' }));
    const again = await authorizationUrl(world.rp, { organization: 'pwdco' });
    const result = await browser.open(again.url.href, CALLBACK);
    expect(isPage(result)).toBe(false);
  });

  it('reuses a federated session silently for the organisation it signed in to', async () => {
    const { browser, started, request } = await world.toIdp();
    const samlResponse = await world.idp.respond({ sp: request, inResponseTo: request.id, nameId: 'dual@samlco.test', attributes: { email: 'dual@samlco.test' } });
    await world.finish(started, await world.post(browser, request.acsUrl, samlResponse, request.relayState));
    const again = await authorizationUrl(world.rp, { organization: 'samlco' });
    const result = await browser.open(again.url.href, CALLBACK);
    expect(isPage(result)).toBe(false);
    expect((await exchange(world.rp, again, (result as { redirectedTo: string }).redirectedTo)).claims()?.org).toBe('samlco');
  });
});

describe('linking an IdP identity to an existing account', () => {
  async function viaIdp(email: string) {
    const { browser, started, request } = await world.toIdp();
    const samlResponse = await world.idp.respond({ sp: request, inResponseTo: request.id, nameId: `idp-${email}`, attributes: { email } });
    return { started, result: await world.post(browser, request.acsUrl, samlResponse, request.relayState) };
  }

  it('links a member of the organisation whose email domain it has not verified (invited, email proven)', async () => {
    const { started, result } = await viaIdp('contractor@agency.test');
    expect((await world.finish(started, result))).toMatchObject({ email: 'contractor@agency.test', org: 'samlco', roles: ['analyst'] });
  });

  it('refuses an account of another organisation at an unverified domain: no link, no membership', async () => {
    const { result } = await viaIdp('outsider@agency.test');
    expect(isPage(result) && result.status).toBe(403);
  });
});
