import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, adminToken } from '../support/admin-client.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { authorizationUrl, CALLBACK, PASSWORD } from '../support/oidc-flow.ts';
import { startSamlWorld, type SamlSignInWorld } from '../support/saml-world.ts';

/*
 * Home realm discovery by email domain, only once the domain is verified by a DNS TXT record (through a real
 * local DNS server): before, an email at the domain goes nowhere special; after, straight to the IdP.
 */

let dns: TestDnsServer;
let world: SamlSignInWorld;
beforeAll(async () => {
  dns = await startDnsServer();
  world = await startSamlWorld({
    organization: { domains: [{ domain: 'newdomain.test', verified: false }], loginPolicy: { methods: ['saml'], ownerPasswordFallback: true } },
    extra: {
      users: [{ email: 'boss@samlco.test', name: 'Boss', password: PASSWORD, emailVerified: true }],
      memberships: [{ user: 'boss@samlco.test', org: 'samlco', roles: ['owner'] }],
    },
    env: { BRIDGEKEEPER_DNS__SERVERS: JSON.stringify([dns.server]) },
  });
});
afterAll(async () => {
  await world?.stop();
  await dns?.stop();
});

async function afterEmail(email: string): Promise<Page | { redirectedTo: string }> {
  const browser = new Browser();
  const opened = await browser.open((await authorizationUrl(world.rp)).url.href, CALLBACK) as Page;
  return browser.submit(opened, '/email', { email }, world.idp.ssoUrl);
}

describe('email domains', () => {
  it('route to the organisation\'s IdP only once verified by DNS', async () => {
    expect(isPage(await afterEmail('someone@newdomain.test'))).toBe(true);

    const api = adminApi(world.server.issuer, await adminToken(world.server.issuer, 'boss@samlco.test', { organization: 'samlco' }));
    const challenge = await api.post<{ recordName: string; recordValue: string }>('/organization/domains/newdomain.test/challenge');
    expect(challenge.status).toBe(200);
    expect(challenge.body.recordName).toBe('_bridgekeeper.newdomain.test');

    const early = await api.post<{ code: string }>('/organization/domains/newdomain.test/verify');
    expect(early.status).toBe(400);
    expect(early.body.code).toBe('domain_not_verified');
    expect(isPage(await afterEmail('someone@newdomain.test'))).toBe(true);

    dns.txt(challenge.body.recordName, 'v=spf1 -all', challenge.body.recordValue);
    const verified = await api.post<{ verified: boolean }>('/organization/domains/newdomain.test/verify');
    expect(verified.body.verified).toBe(true);
    const routed = await afterEmail('someone@newdomain.test');
    expect(isPage(routed)).toBe(false);
    if (!isPage(routed)) expect(routed.redirectedTo.startsWith(world.idp.ssoUrl)).toBe(true);
  });
});
