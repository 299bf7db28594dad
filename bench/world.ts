import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { hashPassword } from '../src/directory/passwords.ts';
import { createTestIdp, type TestIdp } from '../test/fixtures/saml/idp.ts';

/*
 * The world the bench signs into, written as a bootstrap file at bench start:
 * - `pwco`: password only, MFA optional; `otpco`: password only, MFA required. Many accounts each, because
 *   per-account limits (10 password attempts per 15 min, 4 mailed codes per 10 min) are real and a bench
 *   that reused one account would measure the limiter
 * - `samlco` and `samlotp` (MFA required): SAML only, each with its own samlify IdP; members are provisioned
 *   just in time by the first sign-in, with a mapping rule from an IdP group
 * - `gco` and `gotp` (MFA required): Google only (the stand-in, bench/google.ts), Workspace domain enforced;
 *   members are provisioned just in time by their first sign-in
 * - `bench-app`: a first-party confidential client (code + refresh_token); `bench-service`: client_credentials
 * All accounts share one password and one argon2id hash (made once, at the project's parameters).
 */
export const CALLBACK = 'https://rp.bench.test/callback';
export const PASSWORD = 'correct horse battery staple';

export type GoogleOrg = 'gco' | 'gotp';
export const GOOGLE_ORGS: readonly GoogleOrg[] = ['gco', 'gotp'];

export interface BenchWorld {
  file: string;
  clientSecret: string;
  passwordUsers: (i: number) => string;
  otpUsers: (i: number) => string;
  samlUser: (org: 'samlco' | 'samlotp', i: number) => string;
  googleUser: (org: GoogleOrg, i: number) => string;
  idps: { samlco: TestIdp; samlotp: TestIdp };
  sizes: { passwordUsers: number; otpUsers: number };
}

export async function writeBenchWorld(dir: string, sizes: { passwordUsers: number; otpUsers: number }): Promise<BenchWorld> {
  const passwordHash = await hashPassword(PASSWORD);
  const clientSecret = randomBytes(24).toString('base64url');
  const idps = {
    samlco: createTestIdp({ entityId: 'https://idp.samlco.bench/metadata' }),
    samlotp: createTestIdp({ entityId: 'https://idp.samlotp.bench/metadata' }),
  };
  const passwordUsers = (i: number) => `pw-${i % sizes.passwordUsers}@pwco.bench`;
  const otpUsers = (i: number) => `otp-${i % sizes.otpUsers}@otpco.bench`;
  const users = [
    ...range(sizes.passwordUsers).map((i) => ({ email: passwordUsers(i), name: `Password User ${i}`, passwordHash, emailVerified: true })),
    ...range(sizes.otpUsers).map((i) => ({ email: otpUsers(i), name: `Otp User ${i}`, passwordHash, emailVerified: true })),
  ];
  const memberships = [
    ...range(sizes.passwordUsers).map((i) => ({ user: passwordUsers(i), org: 'pwco', roles: ['developer'] })),
    ...range(sizes.otpUsers).map((i) => ({ user: otpUsers(i), org: 'otpco', roles: ['developer'] })),
  ];
  const samlOrg = (slug: 'samlco' | 'samlotp', mfaPolicy: 'optional' | 'required') => ({
    slug, name: `Bench ${slug}`, loginPolicy: { methods: ['saml'] }, mfaPolicy,
    domains: [{ domain: `${slug}.bench`, verified: true }], limits: { maxUsers: null, maxGroups: 5 },
  });
  const samlConnection = (org: 'samlco' | 'samlotp') => ({
    org, kind: 'saml', name: 'Bench IdP', enabled: true,
    settings: { idpEntityId: idps[org].entityId, ssoUrl: idps[org].ssoUrl, idpCertificates: [idps[org].keys.certificatePem] },
    mapping: { rules: [{ attribute: 'groups', equals: 'idp-editors', groups: ['Editors'], roles: [{ role: 'developer' }] }] },
    jit: { enabled: true, defaultRoles: ['analyst'] },
  });
  const googleOrg = (slug: GoogleOrg, mfaPolicy: 'optional' | 'required') => ({
    slug, name: `Bench ${slug}`, loginPolicy: { methods: ['google'], googleHostedDomains: [`${slug}.bench`] }, mfaPolicy,
    limits: { maxUsers: null },
  });
  const googleConnection = (org: GoogleOrg) => ({ org, kind: 'google', name: 'Google', enabled: true, jit: { enabled: true, defaultRoles: ['analyst'] } });
  const document = {
    organizations: [
      { slug: 'pwco', name: 'Bench Password Co', loginPolicy: { methods: ['password'] }, mfaPolicy: 'optional', limits: { maxUsers: null } },
      { slug: 'otpco', name: 'Bench OTP Co', loginPolicy: { methods: ['password'] }, mfaPolicy: 'required', limits: { maxUsers: null } },
      samlOrg('samlco', 'optional'),
      samlOrg('samlotp', 'required'),
      googleOrg('gco', 'optional'),
      googleOrg('gotp', 'required'),
    ],
    users,
    groups: [{ org: 'samlco', name: 'Editors', roles: ['marketer'] }, { org: 'samlotp', name: 'Editors', roles: ['marketer'] }],
    memberships,
    connections: [samlConnection('samlco'), samlConnection('samlotp'), googleConnection('gco'), googleConnection('gotp')],
    clients: [
      {
        clientId: 'bench-app', name: 'Bench app', redirectUris: [CALLBACK], clientSecret, firstParty: true,
        grantTypes: ['authorization_code', 'refresh_token'], idTokenSignedResponseAlg: 'ES256',
      },
      { clientId: 'bench-service', name: 'Bench service', redirectUris: [], clientSecret, grantTypes: ['client_credentials'] },
    ],
  };
  const file = join(dir, 'bench-world.yaml');
  await writeFile(file, stringify(document));
  return {
    file, clientSecret, passwordUsers, otpUsers, idps, sizes,
    samlUser: (org, i) => `user-${i}@${org}.bench`,
    googleUser: (org, i) => `g-${i}@${org}.bench`,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
