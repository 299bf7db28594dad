import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoresBeside } from '../support/stores-beside.ts';
import type { Stores } from '../../src/store/stores.ts';
import { Browser, isPage } from '../support/browser.ts';
import { CALLBACK } from '../support/oidc-flow.ts';
import { startSamlWorld, type SamlSignInWorld } from '../support/saml-world.ts';

/*
 * openid-client relying app -> Bridgekeeper -> samlify IdP -> ACS -> code -> ID token, on Redis + FerretDB.
 * Groups and roles come from the IdP's group attribute through the connection's mapping rules.
 */

let world: SamlSignInWorld;
let stores: Stores;
beforeAll(async () => {
  world = await startSamlWorld();
  stores = await openStoresBeside(world.server.config);
});
afterAll(async () => {
  await stores?.close();
  await world?.stop();
});

const person = { nameId: 'ann@samlco.test', attributes: { email: 'ann@samlco.test', name: 'Ann Example', groups: ['idp-editors', 'idp-other'] } };

describe('SAML sign-in end to end', () => {
  it('signs a member in through the IdP; the ID token carries the groups and roles mapped from the IdP\'s groups', async () => {
    const { browser, started, request } = await world.toIdp();
    expect(request.relayState).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const samlResponse = await world.idp.respond({ sp: request, inResponseTo: request.id, ...person });
    const claims = await world.finish(started, await world.post(browser, request.acsUrl, samlResponse, request.relayState));
    expect(claims).toMatchObject({ email: 'ann@samlco.test', name: 'Ann Example', org: 'samlco', groups: ['Editors'], amr: ['fed'] });
    expect(claims.roles).toEqual(expect.arrayContaining(['developer', 'marketer']));
    const user = await stores.users.findByEmail('ann@samlco.test');
    expect(user).toMatchObject({ passwordHash: null });
    expect(await stores.federatedIdentities.findBySubject(request.entityId.split('/').at(-1)!, 'ann@samlco.test')).toMatchObject({ userId: user!.id });
  });

  it('updates the groups at each sign-in from what the IdP says then', async () => {
    const { browser, started, request } = await world.toIdp();
    const samlResponse = await world.idp.respond({ sp: request, inResponseTo: request.id, ...person, attributes: { ...person.attributes, groups: ['idp-other'] } });
    const claims = await world.finish(started, await world.post(browser, request.acsUrl, samlResponse, request.relayState));
    expect(claims.groups).toEqual([]);
    expect(claims.roles).toEqual([]);
  });

  it('refuses the same response posted twice: the second finds it replayed and creates no session', async () => {
    const { browser, started, request } = await world.toIdp();
    const samlResponse = await world.idp.respond({ sp: request, inResponseTo: request.id, ...person });
    await world.finish(started, await world.post(browser, request.acsUrl, samlResponse, request.relayState));

    const attacker = await world.toIdp();
    const replayed = await world.post(attacker.browser, request.acsUrl, samlResponse, request.relayState);
    expect(isPage(replayed) && replayed.status).toBe(400);
    expect(isPage(replayed) && replayed.body).toContain('Reference');
    const events = await stores.audit.list({ where: { action: 'signin.failed' }, limit: 50 });
    expect(events.items.map((e) => e.details.reason)).toContain('replayed');
  });

  it('hands the IdP\'s answer only to the browser that brought it: an AuthnRequest forwarded to a victim signs nobody in', async () => {
    // The attacker starts a sign-in and, instead of following the redirect to the IdP, sends its URL (AuthnRequest
    // and RelayState) to a victim who is signed in at the IdP, which answers the attacker's request.
    const attacker = await world.toIdp();
    const victim = new Browser();
    const victimPerson = { nameId: 'vic@samlco.test', attributes: { email: 'vic@samlco.test', name: 'Vic Tim' } };
    const answer = await world.idp.respond({ sp: attacker.request, inResponseTo: attacker.request.id, ...victimPerson });
    const atVictim = await world.post(victim, attacker.request.acsUrl, answer, attacker.request.relayState);
    // The victim's browser holds no interaction: it gets an error page, whose address names the interaction.
    expect(isPage(atVictim) && atVictim.status).toBe(400);
    const upstreamUrl = isPage(atVictim) ? atVictim.url : '';
    expect(upstreamUrl).toContain('/upstream?handle=');

    // The attacker's browser holds the interaction and knows the RelayState, but not what the ACS gave the victim's.
    const taken = await attacker.browser.follow(await attacker.browser.request(upstreamUrl), CALLBACK);
    expect(isPage(taken) && taken.status).toBe(400);
    expect(isPage(taken) && taken.body).toContain('start again');
    expect(await stores.users.findByEmail('vic@samlco.test')).toBeUndefined();
    // The organisation's audit log says what happened.
    const events = await stores.audit.list({ where: { action: 'signin.failed' }, limit: 100 });
    expect(events.items.find((e) => e.details.reason === 'answer_from_another_browser')).toMatchObject({
      orgId: expect.any(String), target: expect.stringMatching(/^connection:/), details: { method: 'saml' },
    });
  });

  it('refuses a response posted to another connection\'s ACS', async () => {
    const { browser, request } = await world.toIdp();
    const samlResponse = await world.idp.respond({ sp: request, inResponseTo: request.id, ...person });
    const otherAcs = request.acsUrl.replace(/[0-9a-z]{26}(?=\/acs$)/, '0'.repeat(26));
    const unknown = await world.post(browser, otherAcs, samlResponse, request.relayState);
    expect(isPage(unknown) && unknown.status).toBe(404);
  });

  it('shows a reference page for a hostile response, records the precise reason, and changes no user', async () => {
    const before = await stores.users.findByEmail('mallory@samlco.test');
    const { browser, request } = await world.toIdp();
    const forged = await world.idp.respond({ sp: request, inResponseTo: request.id, nameId: 'mallory@samlco.test', attributes: { email: 'mallory@samlco.test' }, audience: 'https://someone-else.test' });
    const page = await world.post(browser, request.acsUrl, forged, request.relayState);
    expect(isPage(page) && page.status).toBe(400);
    expect(isPage(page) && page.body).not.toContain('audience');
    expect(await stores.users.findByEmail('mallory@samlco.test')).toEqual(before);
    const events = await stores.audit.list({ where: { action: 'signin.failed' }, limit: 100 });
    expect(events.items.find((e) => e.details.reason === 'audience_mismatch')).toMatchObject({ details: { method: 'saml', detail: expect.stringContaining('someone-else') } });
  });

  it('refuses IdP-initiated responses by default; when allowed, sends the browser to the app to start a real sign-in', async () => {
    const { request } = await world.toIdp();
    const connectionId = request.entityId.split('/').at(-1)!;
    const unsolicited = () => world.idp.respond({ sp: request, ...person, nameId: 'idp.first@samlco.test', attributes: { email: 'idp.first@samlco.test' } });
    const browser = (await world.toIdp()).browser;
    const refused = await world.post(browser, request.acsUrl, await unsolicited());
    expect(isPage(refused) && refused.status).toBe(400);

    const connection = await stores.connections.get(connectionId);
    await stores.connections.update(connectionId, { settings: { ...connection.settings, allowIdpInitiated: true, idpInitiatedLoginUrl: 'https://app.samlco.test/login' } });
    try {
      const handed = await browser.request(request.acsUrl, { form: { SAMLResponse: await unsolicited(), RelayState: 'https://evil.test/steal' } });
      expect(handed.status).toBe(303);
      const target = new URL(handed.headers.get('location')!);
      expect(target.origin + target.pathname).toBe('https://app.samlco.test/login');
      expect(target.searchParams.get('iss')).toBe(world.server.issuer);
      expect(target.searchParams.get('login_hint')).toBe('idp.first@samlco.test');
      // Nothing rests on the unsolicited assertion: no account was created from it.
      expect(await stores.users.findByEmail('idp.first@samlco.test')).toBeUndefined();

      // Not even when its RelayState names a sign-in in progress, in the browser that began it: an unsolicited
      // assertion answers no request, so it finishes none. That sign-in stays open for its own answer.
      const pending = await world.toIdp();
      const named = await pending.browser.request(pending.request.acsUrl, { form: { SAMLResponse: await unsolicited(), RelayState: pending.request.relayState! } });
      expect(named.status).toBe(303);
      expect(named.headers.get('location')).toMatch(/^https:\/\/app\.samlco\.test\/login\?/);
      expect(await stores.users.findByEmail('idp.first@samlco.test')).toBeUndefined();
      const answer = await world.idp.respond({ sp: pending.request, inResponseTo: pending.request.id, ...person });
      const claims = await world.finish(pending.started, await world.post(pending.browser, pending.request.acsUrl, answer, pending.request.relayState));
      expect(claims).toMatchObject({ email: 'ann@samlco.test' });
    } finally {
      await stores.connections.update(connectionId, { settings: connection.settings });
    }
  });
});
