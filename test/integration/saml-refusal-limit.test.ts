import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, isPage } from '../support/browser.ts';
import { openStoresBeside } from '../support/stores-beside.ts';
import { startSamlWorld, type SamlSignInWorld } from '../support/saml-world.ts';
import { tamper } from '../fixtures/saml/idp.ts';
import type { Stores } from '../../src/store/stores.ts';

/*
 * The ACS counts the responses it refuses per client address (`saml-refused-per-ip`). Past the budget, that
 * address gets 429 before its response is read: nothing is parsed, nothing recorded, a valid answer included.
 * Other addresses go on as before. Addresses come from X-Forwarded-For, as behind a load balancer.
 */
let world: SamlSignInWorld;
let stores: Stores;
beforeAll(async () => {
  world = await startSamlWorld({ env: { BRIDGEKEEPER_RATE_LIMITS__SAML_REFUSED_PER_IP: '2', BRIDGEKEEPER_SERVER__TRUST_PROXY: 'true' } });
  stores = await openStoresBeside(world.server.config);
});
afterAll(async () => {
  await stores?.close();
  await world?.stop();
});

const person = { nameId: 'lim@samlco.test', attributes: { email: 'lim@samlco.test', name: 'Lim Ited' } };

function from(address: string): Browser {
  const browser = new Browser();
  browser.route = (url) => ({ url, headers: { 'x-forwarded-for': address } });
  return browser;
}

async function refusals(): Promise<number> {
  const events = await stores.audit.list({ where: { action: 'signin.failed' }, limit: 200 });
  return events.items.filter((e) => e.details.method === 'saml').length;
}

describe('refused SAML responses, per address', () => {
  it('answers 429 to an address that spent its refusals, without reading or recording; others sign in', async () => {
    const { browser, started, request } = await world.toIdp();
    const attacker = from('203.0.113.7');
    const forged = tamper(await world.idp.respond({ sp: request, inResponseTo: request.id, ...person }), (xml) => xml.replace('Lim Ited', 'Mallory'));

    for (let i = 0; i < 2; i++) {
      const refused = await world.post(attacker, request.acsUrl, forged, request.relayState);
      expect(isPage(refused) && refused.status).toBe(400);
    }
    expect(await refusals()).toBe(2);

    const limited = await attacker.request(request.acsUrl, { form: { SAMLResponse: forged, RelayState: request.relayState! } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(limited.body).toContain('Too many attempts');
    // A valid answer from that address is not read either, and the request it answers is still outstanding.
    const valid = await world.idp.respond({ sp: request, inResponseTo: request.id, ...person });
    const stillLimited = await attacker.request(request.acsUrl, { form: { SAMLResponse: valid, RelayState: request.relayState! } });
    expect(stillLimited.status).toBe(429);
    expect(await refusals()).toBe(2);

    // The person's own browser, at another address, finishes the sign-in with that same answer.
    browser.route = (url) => ({ url, headers: { 'x-forwarded-for': '198.51.100.20' } });
    const claims = await world.finish(started, await world.post(browser, request.acsUrl, valid, request.relayState));
    expect(claims).toMatchObject({ email: 'lim@samlco.test' });
  });

  it('does not count a response it accepts', async () => {
    const address = '198.51.100.30';
    for (let i = 0; i < 3; i++) {
      const { browser, started, request } = await world.toIdp();
      browser.route = (url) => ({ url, headers: { 'x-forwarded-for': address } });
      const answer = await world.idp.respond({ sp: request, inResponseTo: request.id, ...person });
      expect(await world.finish(started, await world.post(browser, request.acsUrl, answer, request.relayState))).toMatchObject({ email: 'lim@samlco.test' });
    }
  });
});
