import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../src/store/stores.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK } from '../support/oidc-flow.ts';
import { startSamlWorld, type SamlSignInWorld } from '../support/saml-world.ts';
import { openStoresBeside } from '../support/stores-beside.ts';

/*
 * A SAML sign-in counts only for the organisation of the connection it came through. Ann belongs to samlco
 * (whose IdP signs her in, and which requires the emailed code) and to Other Co, which allows SAML through its
 * own connection only; the journey pauses at samlco's code page, where a form post could name another
 * organisation.
 */
let world: SamlSignInWorld;
let stores: Stores;
beforeAll(async () => {
  world = await startSamlWorld({
    organization: { mfaPolicy: 'required' },
    extra: {
      organizations: [{ slug: 'other', name: 'Other Co', loginPolicy: { methods: ['saml', 'password'] } }],
      users: [{ email: 'ann@samlco.test', name: 'Ann', emailVerified: true }],
      memberships: [{ user: 'ann@samlco.test', org: 'samlco', roles: ['developer'] }, { user: 'ann@samlco.test', org: 'other', roles: ['admin'] }],
    },
  });
  stores = await openStoresBeside(world.server.config);
});
afterAll(async () => {
  await stores?.close();
  await world?.stop();
});

describe('a SAML sign-in and the organisation picker', () => {
  it('refuses another organisation posted after the IdP\'s answer: the connection\'s organisation is the only one it signs in to', async () => {
    const browser = new Browser();
    const started = await authorizationUrl(world.rp, {});
    const emailPage = await browser.open(started.url.href, world.idp.ssoUrl) as Page;
    const landed = await browser.submit(emailPage, '/email', { email: 'ann@samlco.test' }, world.idp.ssoUrl);
    if (isPage(landed)) throw new Error(`did not reach the IdP: ${landed.status}`);
    const request = await world.idp.receive(landed.redirectedTo, { entityId: 'unknown', acsUrl: 'unknown' });
    const sp = { entityId: request.acsUrl!.replace(/\/acs$/, ''), acsUrl: request.acsUrl! };
    const answer = await world.idp.respond({ sp, inResponseTo: request.id, nameId: 'ann@samlco.test', attributes: { email: 'ann@samlco.test', name: 'Ann' } });
    const codePage = await world.post(browser, sp.acsUrl, answer, request.relayState) as Page;
    expect(codePage.body).toContain('name="code"');

    const other = await stores.organizations.findBySlug('other');
    const uid = /\/interaction\/([^/"]+)\//.exec(codePage.body)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(codePage.body)![1]!;
    const posted = await browser.request(new URL(`/interaction/${uid}/organization`, world.server.issuer).href, { form: { csrf, organization: other!.id } });
    const done = await browser.follow(posted, CALLBACK);
    expect(isPage(done) && done.status).toBe(403);
    expect(isPage(done) && done.body).toContain('Other Co');
  });
});
