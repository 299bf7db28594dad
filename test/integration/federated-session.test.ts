import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_SECRET } from '../support/admin-client.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK, exchange, PASSWORD, relyingParty, signIn } from '../support/oidc-flow.ts';
import { startSamlWorld, type SamlSignInWorld } from '../support/saml-world.ts';

/*
 * A federated session serves again only the organisations its current login signed in to. Dual belongs to
 * Password Co (passwords only) and to samlco (its IdP); one browser signs Dual in to the first with a password,
 * then, for another app, to samlco through the IdP, which makes the session a federated one.
 */
let world: SamlSignInWorld;
beforeAll(async () => {
  world = await startSamlWorld({
    extra: {
      organizations: [{ slug: 'pwdco', name: 'Password Co', loginPolicy: { methods: ['password'] } }],
      users: [{ email: 'dual@samlco.test', name: 'Dual', password: PASSWORD, emailVerified: true }],
      memberships: [{ user: 'dual@samlco.test', org: 'pwdco', roles: ['developer'] }, { user: 'dual@samlco.test', org: 'samlco', roles: ['developer'] }],
      clients: [{ clientId: 'app2', name: 'App two', redirectUris: [CALLBACK], clientSecret: CONSOLE_SECRET, firstParty: true, idTokenSignedResponseAlg: 'ES256' }],
    },
  });
});
afterAll(async () => {
  await world?.stop();
});

describe('a federated session and the organisations of its earlier logins', () => {
  it('does not open a password-only organisation that an earlier password login of the session signed in to', async () => {
    const browser = new Browser();
    const first = await authorizationUrl(world.rp, { organization: 'pwdco' });
    expect((await exchange(world.rp, first, await signIn(browser, first, { email: 'dual@samlco.test', organization: 'pwdco' }))).claims()?.amr).toEqual(['pwd']);

    const app2 = await relyingParty(world.server.issuer, 'app2', CONSOLE_SECRET);
    const second = await authorizationUrl(app2, { organization: 'samlco' });
    const emailPage = await browser.open(second.url.href, CALLBACK) as Page;
    const landed = await browser.submit(emailPage, '/email', { email: 'dual@samlco.test' }, world.idp.ssoUrl);
    if (isPage(landed)) throw new Error(`did not reach the IdP: ${landed.status}`);
    const request = await world.idp.receive(landed.redirectedTo, { entityId: 'unknown', acsUrl: 'unknown' });
    const sp = { entityId: request.acsUrl!.replace(/\/acs$/, ''), acsUrl: request.acsUrl! };
    const answer = await world.idp.respond({ sp, inResponseTo: request.id, nameId: 'dual@samlco.test', attributes: { email: 'dual@samlco.test' } });
    const done = await world.post(browser, sp.acsUrl, answer, request.relayState);
    if (isPage(done)) throw new Error(`SAML sign-in did not finish: ${done.status}`);
    expect((await exchange(app2, second, done.redirectedTo)).claims()).toMatchObject({ org: 'samlco', amr: ['fed'] });

    // The federated session still serves samlco at once...
    const again = await authorizationUrl(app2, { organization: 'samlco' });
    const silent = await browser.open(again.url.href, CALLBACK);
    expect(isPage(silent)).toBe(false);
    // ...but Password Co wants a password again: the sign-in page, not a code.
    const third = await authorizationUrl(world.rp, { organization: 'pwdco' });
    const result = await browser.open(third.url.href, CALLBACK);
    expect(isPage(result) && result.body).toContain('name="email"');
  });
});
