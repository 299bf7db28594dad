import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createTestIdp, type TestIdp } from '../fixtures/saml/idp.ts';
import { startBridgekeeper, type TestServer } from './bridgekeeper.ts';
import { startIdpServer, type IdpPerson, type IdpServer } from './idp-server.ts';
import { freePort } from './services.ts';
import { PASSWORD } from './oidc-flow.ts';
import { startPlainSmtp, type RunningSmtp, smtpEnv } from './smtp.ts';

export const CONSOLE_CLIENT_SECRET = 'console-e2e-secret-0123456789abcdef';
export const PARTNER_CALLBACK = 'https://partner.example.test/callback';

/*
 * Bridgekeeper as a customer meets it, for browser tests: organisation "acme" with its IT admin (owner,
 * password), a person in two organisations (for the organisation picker), the console and demo apps, a
 * third-party app (for the consent page), a real SMTP server, and a samlify IdP answering on a local port,
 * not yet registered: registering it is the test's job.
 */
export interface ConsoleWorld {
  server: TestServer;
  issuer: string;
  smtp: RunningSmtp;
  idp: TestIdp;
  idpServer: IdpServer;
  /** Whom the IdP signs in next. */
  signInAs: IdpPerson;
  stop(): Promise<void>;
}

export async function startConsoleWorld(): Promise<ConsoleWorld> {
  const smtp = await startPlainSmtp();
  const idp = createTestIdp();
  const world = { signInAs: { nameId: 'nobody@acme.test', attributes: {} } as IdpPerson } as ConsoleWorld;
  const idpServer = await startIdpServer(idp, () => world.signInAs);
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const dir = await mkdtemp(join(tmpdir(), 'bk-e2e-'));
  const bootstrap = join(dir, 'world.yaml');
  await writeFile(bootstrap, stringify({
    organizations: [
      { slug: 'acme', name: 'Acme Corp', domains: [{ domain: 'acme.test', verified: true }], loginPolicy: { methods: ['password'] }, mfaPolicy: 'optional', limits: { maxUsers: 20 } },
      { slug: 'beta', name: 'Beta Ltd', loginPolicy: { methods: ['password'] } },
    ],
    users: [
      { email: 'it-admin@acme.test', name: 'Ida Admin', password: PASSWORD, emailVerified: true },
      { email: 'consultant@example.test', name: 'Cory Consultant', password: PASSWORD, emailVerified: true },
    ],
    groups: [{ org: 'acme', name: 'Designers', description: 'Brand and web design.', roles: ['marketer'] }],
    memberships: [
      { user: 'it-admin@acme.test', org: 'acme', roles: ['owner'] },
      { user: 'consultant@example.test', org: 'acme', roles: ['analyst'] },
      { user: 'consultant@example.test', org: 'beta', roles: ['analyst'] },
    ],
    clients: [
      {
        clientId: 'console', name: 'Admin console', redirectUris: [`${issuer}/console/callback`], postLogoutRedirectUris: [`${issuer}/console/signed-out`],
        grantTypes: ['authorization_code'], clientSecret: CONSOLE_CLIENT_SECRET, firstParty: true,
      },
      {
        clientId: 'demo-app', name: 'Demo app', redirectUris: [`${issuer}/demo/callback`], postLogoutRedirectUris: [`${issuer}/demo`],
        grantTypes: ['authorization_code'], tokenEndpointAuthMethod: 'none', firstParty: true,
      },
      { clientId: 'partner-app', name: 'Partner Analytics', redirectUris: [PARTNER_CALLBACK], grantTypes: ['authorization_code'], tokenEndpointAuthMethod: 'none' },
    ],
  }));
  const server = await startBridgekeeper({
    backends: 'embedded',
    bootstrap,
    port,
    env: {
      ...smtpEnv(smtp),
      BRIDGEKEEPER_CONSOLE__CLIENT_SECRET: CONSOLE_CLIENT_SECRET,
    },
  });
  return Object.assign(world, {
    server, issuer, smtp, idp, idpServer,
    async stop() {
      await server.stop();
      await idpServer.stop();
      await smtp.stop();
    },
  });
}
