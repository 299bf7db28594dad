import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { expect } from 'vitest';
import { createTestIdp, type TestIdp } from '../fixtures/saml/idp.ts';
import { CONSOLE_SECRET } from './admin-client.ts';
import { startBridgekeeper, type Backends, type TestServer } from './bridgekeeper.ts';
import { Browser, isPage, type Page } from './browser.ts';
import { authorizationUrl, CALLBACK, exchange, relyingParty, type RelyingParty, type Started } from './oidc-flow.ts';

/*
 * Bridgekeeper with one organisation signing in through a samlify IdP, for end-to-end SAML tests: the
 * organisation, its connection (the IdP's certificate) and the console app come from a bootstrap file written
 * for the IdP's freshly generated keys.
 */

export interface SamlSignInWorld {
  server: TestServer;
  idp: TestIdp;
  rp: RelyingParty;
  /** Starts a sign-in at the app and follows it to the IdP: the AuthnRequest the IdP received, and the browser. */
  toIdp(params?: Record<string, string>): Promise<{ browser: Browser; started: Started; request: { id: string; relayState?: string; acsUrl: string; entityId: string } }>;
  /** Posts a SAMLResponse to an ACS as the browser's auto-submitting form would, following redirects up to the app. */
  post(browser: Browser, acsUrl: string, samlResponse: string, relayState?: string): Promise<Page | { redirectedTo: string }>;
  finish(started: Started, result: Page | { redirectedTo: string }): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startSamlWorld(options: { backends?: Backends; connection?: Record<string, unknown>; organization?: Record<string, unknown>; extra?: Record<string, unknown[]>; env?: Record<string, string> } = {}): Promise<SamlSignInWorld> {
  const idp = createTestIdp();
  const dir = await mkdtemp(join(tmpdir(), 'bk-saml-'));
  const bootstrap = join(dir, 'world.yaml');
  await writeFile(bootstrap, stringify({
    organizations: [{
      slug: 'samlco', name: 'SAML Co', loginPolicy: { methods: ['saml'] }, domains: [{ domain: 'samlco.test', verified: true }],
      limits: { maxUsers: 20 }, ...options.organization,
    }, ...(options.extra?.organizations ?? [])],
    groups: [{ org: 'samlco', name: 'Editors', roles: ['marketer'] }, { org: 'samlco', name: 'Admins' }],
    connections: [{
      org: 'samlco', kind: 'saml', name: 'Corporate IdP', enabled: true,
      settings: { idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl, idpCertificates: [idp.keys.certificatePem] },
      mapping: { rules: [{ attribute: 'groups', equals: 'idp-editors', groups: ['Editors'], roles: [{ role: 'developer' }] }] },
      jit: { enabled: true, defaultRoles: [] },
      ...options.connection,
    }, ...(options.extra?.connections ?? [])],
    users: options.extra?.users ?? [],
    memberships: options.extra?.memberships ?? [],
    clients: [{ clientId: 'console', name: 'Admin console', redirectUris: [CALLBACK], clientSecret: CONSOLE_SECRET, firstParty: true, idTokenSignedResponseAlg: 'ES256' }, ...(options.extra?.clients ?? [])],
  }));
  const server = await startBridgekeeper({ backends: options.backends ?? 'redis+ferretdb', bootstrap, ...(options.env ? { env: options.env } : {}) });
  const rp = await relyingParty(server.issuer, 'console', CONSOLE_SECRET);

  return {
    server,
    idp,
    rp,
    async toIdp(params = { organization: 'samlco' }) {
      const browser = new Browser();
      const started = await authorizationUrl(rp, params);
      const landed = await browser.open(started.url.href, idp.ssoUrl);
      if (isPage(landed)) throw new Error(`did not reach the IdP: ${landed.status} ${landed.body.slice(0, 300)}`);
      // The connection's endpoints: the IdP reads the ACS URL from the request; the entity ID is its base.
      const probe = await idp.receive(landed.redirectedTo, { entityId: 'unknown', acsUrl: 'unknown' });
      expect(probe.acsUrl).toMatch(/\/saml\/[0-9a-z]{26}\/acs$/);
      const entityId = probe.acsUrl!.replace(/\/acs$/, '');
      return { browser, started, request: { id: probe.id, ...(probe.relayState ? { relayState: probe.relayState } : {}), acsUrl: probe.acsUrl!, entityId } };
    },
    async post(browser, acsUrl, samlResponse, relayState) {
      const response = await browser.request(acsUrl, { form: { SAMLResponse: samlResponse, ...(relayState ? { RelayState: relayState } : {}) } });
      return browser.follow(response, CALLBACK);
    },
    async finish(started, result) {
      if (isPage(result)) throw new Error(`sign-in did not finish: ${result.status} ${result.body.slice(0, 500)}`);
      return (await exchange(rp, started, result.redirectedTo)).claims()! as Record<string, unknown>;
    },
    stop: () => server.stop(),
  };
}

