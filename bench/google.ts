import { randomBytes } from 'node:crypto';
import { startFakeGoogle, type FakeGoogle } from '../test/support/fake-google.ts';
import { GOOGLE_ORGS, type BenchWorld } from './world.ts';

/*
 * The Google stand-in of the test suite (test/support/fake-google.ts: oidc-provider, RS256 ID tokens with
 * `email`, `email_verified` and `hd`), in the driver's process, with a Workspace account for every user the
 * Google scenarios sign in; each flow names its account with login_hint, which Bridgekeeper passes on.
 */
export interface BenchGoogle {
  google: FakeGoogle;
  /** Bridgekeeper's client at the stand-in, for its configuration. */
  env: Record<string, string>;
}

export async function startBenchGoogle(world: BenchWorld, bridgekeeperUrl: string, usersPerOrganization: number): Promise<BenchGoogle> {
  const clientId = 'bridgekeeper-bench';
  const clientSecret = randomBytes(24).toString('base64url');
  const google = await startFakeGoogle({ clientId, clientSecret, redirectUri: `${bridgekeeperUrl}/google/callback` });
  for (const org of GOOGLE_ORGS) {
    for (let i = 0; i < usersPerOrganization; i++) {
      const email = world.googleUser(org, i);
      google.register({ sub: `g-${org}-${i}`, email, email_verified: true, hd: `${org}.bench`, name: `Google User ${i}` });
    }
  }
  return {
    google,
    env: { BRIDGEKEEPER_GOOGLE__CLIENT_ID: clientId, BRIDGEKEEPER_GOOGLE__CLIENT_SECRET: clientSecret, BRIDGEKEEPER_GOOGLE__ISSUER: google.issuer },
  };
}
