import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KvStore } from '../../src/common/kv.ts';
import { createGoogleConnector, type GoogleConnector, type GoogleConnectorDeps } from '../../src/federation/google/connector.ts';
import { GoogleSignInError } from '../../src/federation/google/errors.ts';
import { checkGoogleIdentity, hostedDomainHint } from '../../src/federation/google/hosted-domain.ts';
import { createMemoryKv } from '../../src/store/kv/memory.ts';
import { Browser, isPage } from '../support/browser.ts';
import { startFakeGoogle, type FakeGoogle, type FakeGoogleAccount } from '../support/fake-google.ts';
import { freePort } from '../support/services.ts';

const CLIENT = { clientId: 'bridgekeeper-test.apps.googleusercontent.com', clientSecret: 'fake-google-secret-0123456789', redirectUri: 'https://bridgekeeper.test/google/callback' };

const WORKSPACE: FakeGoogleAccount = {
  sub: '110169484474386276334', email: 'ada@acme.test', email_verified: true, hd: 'acme.test',
  name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace',
};
// Anyone can register a consumer Google account for any address, the organisation's included: no `hd`.
const CONSUMER_AT_ACME: FakeGoogleAccount = { sub: '104334555666777888999', email: 'mallory@acme.test', email_verified: true, name: 'Mallory' };

describe('Google connector against a stand-in Google over HTTP', () => {
  let google: FakeGoogle;
  let kv: KvStore;
  let connector: GoogleConnector;
  const connect = (overrides: Partial<GoogleConnectorDeps> = {}) =>
    createGoogleConnector({ issuer: google.issuer, ...CLIENT, kv, timeoutMs: 2_000, ...overrides });

  /** The browser's round trip to Google: follows redirects until Google sends it back to our callback. */
  async function authorize(redirectUrl: string): Promise<string> {
    const result = await new Browser().open(redirectUrl, CLIENT.redirectUri);
    if (isPage(result)) throw new Error(`Google did not redirect back: ${result.status} ${result.body.slice(0, 300)}`);
    return result.redirectedTo;
  }

  async function signIn(account: FakeGoogleAccount, start: Parameters<GoogleConnector['start']>[0] = {}, via = connector) {
    google.nextLogin(account);
    const started = await via.start(start);
    return via.complete({ callbackUrl: await authorize(started.redirectUrl), expected: { state: started.transactionId } });
  }

  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(GoogleSignInError);
    return error as GoogleSignInError;
  };

  beforeAll(async () => { google = await startFakeGoogle(CLIENT); });
  afterAll(async () => { await google?.stop(); });
  beforeEach(() => {
    kv = createMemoryKv();
    connector = connect();
    google.requests.length = 0;
  });

  it('signs a Workspace account in, keyed on sub, with its verified email and hosted domain', async () => {
    const identity = await signIn(WORKSPACE, { orgId: 'org-1', connectionId: 'conn-1' });
    expect(identity).toMatchObject({
      protocol: 'google', orgId: 'org-1', connectionId: 'conn-1',
      subject: WORKSPACE.sub, email: 'ada@acme.test', emailVerified: true, hostedDomain: 'acme.test',
      name: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace', groups: [],
    });
    expect(identity.attributes).toMatchObject({ email: ['ada@acme.test'], hd: ['acme.test'], sub: [WORKSPACE.sub] });
    expect(identity.attributes).not.toHaveProperty('nonce');
    expect(() => checkGoogleIdentity(identity, { googleHostedDomains: ['acme.test'] })).not.toThrow();
  });

  it('sends PKCE S256, a nonce, a state and prompt=select_account; the verifier only on the back channel', async () => {
    google.nextLogin(WORKSPACE);
    const started = await connector.start({ loginHint: 'ada@acme.test', hostedDomain: 'acme.test' });
    const sent = new URL(started.redirectUrl);
    expect(sent.origin).toBe(google.issuer);
    expect(Object.fromEntries(sent.searchParams)).toMatchObject({
      response_type: 'code', client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUri, scope: 'openid email profile',
      code_challenge_method: 'S256', state: started.transactionId, prompt: 'select_account', login_hint: 'ada@acme.test', hd: 'acme.test',
    });
    expect(sent.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(started.transactionId).toMatch(/^[\w-]{43}$/);
    await connector.complete({ callbackUrl: await authorize(started.redirectUrl), expected: { state: started.transactionId } });

    const auth = google.requests.find((r) => r.path === '/auth')!;
    expect(auth.query.code_challenge).toBe(sent.searchParams.get('code_challenge'));
    const token = google.requests.find((r) => r.path === '/token')!;
    expect(token.method).toBe('POST');
    const verifier = String(token.params.code_verifier);
    expect(verifier).toMatch(/^[\w-]{43,128}$/);
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(auth.query.code_challenge);
    expect(started.redirectUrl).not.toContain(verifier);
    expect(token.params.redirect_uri).toBe(CLIENT.redirectUri);
  });

  it('leaves hd and login_hint out when the organisation sets none', async () => {
    const started = await connector.start({});
    const sent = new URL(started.redirectUrl).searchParams;
    expect(sent.has('hd')).toBe(false);
    expect(sent.has('login_hint')).toBe(false);
    expect(hostedDomainHint({ googleHostedDomains: [] })).toBeUndefined();
  });

  it('discovers Google once per connector, not once per sign-in', async () => {
    await signIn(WORKSPACE);
    await signIn(WORKSPACE);
    expect(google.requests.filter((r) => r.path === '/.well-known/openid-configuration')).toHaveLength(1);
    expect(google.requests.filter((r) => r.path === '/jwks')).toHaveLength(1);
  });

  it('finishes on another instance what one started (state in the shared KV store)', async () => {
    google.nextLogin(WORKSPACE);
    const started = await connect().start({ orgId: 'org-1' });
    const identity = await connect().complete({ callbackUrl: await authorize(started.redirectUrl), expected: { state: started.transactionId } });
    expect(identity).toMatchObject({ subject: WORKSPACE.sub, orgId: 'org-1' });
  });

  it('refuses a replayed callback: the state is spent by the first completion', async () => {
    google.nextLogin(WORKSPACE);
    const started = await connector.start();
    const input = { callbackUrl: await authorize(started.redirectUrl), expected: { state: started.transactionId } };
    await connector.complete(input);
    expect((await refusal(connector.complete(input))).code).toBe('google_state_unknown');
  });

  it('lets exactly one of several concurrent completions of one callback through', async () => {
    google.nextLogin(WORKSPACE);
    const started = await connector.start();
    const input = { callbackUrl: await authorize(started.redirectUrl), expected: { state: started.transactionId } };
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => connector.complete(input)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'google_state_unknown' });
  });

  it('refuses a callback whose state is not this interaction\'s, without spending the real transaction', async () => {
    google.nextLogin(WORKSPACE);
    const mine = await connector.start();
    const other = await connector.start();
    const callbackUrl = await authorize(mine.redirectUrl);
    const error = await refusal(connector.complete({ callbackUrl, expected: { state: other.transactionId } }));
    expect(error.code).toBe('google_state_mismatch');
    expect(error.status).toBe(400);
    await expect(connector.complete({ callbackUrl, expected: { state: mine.transactionId } })).resolves.toMatchObject({ subject: WORKSPACE.sub });
  });

  it('refuses a callback URL that cannot be parsed, or carries no state, as not this interaction\'s', async () => {
    const started = await connector.start();
    for (const callbackUrl of ['not a url', `${CLIENT.redirectUri}?code=abc`]) {
      expect((await refusal(connector.complete({ callbackUrl, expected: { state: started.transactionId } }))).code).toBe('google_state_mismatch');
    }
  });

  it('refuses a callback after the transaction expired (10 minutes)', async () => {
    let time = Date.now();
    kv = createMemoryKv({ now: () => time });
    const clocked = connect();
    google.nextLogin(WORKSPACE);
    const started = await clocked.start();
    const callbackUrl = await authorize(started.redirectUrl);
    time += 601_000;
    expect((await refusal(clocked.complete({ callbackUrl, expected: { state: started.transactionId } }))).code).toBe('google_state_unknown');
  });

  it('refuses an injected code whose ID token was issued for another nonce', async () => {
    // The attacker's own authorization (nonce A) is replayed into the victim's transaction B, with B's state
    // and PKCE challenge copied in so that only the nonce differs: OIDC Core 3.1.3.7 step 11.
    google.nextLogin(WORKSPACE);
    const attacker = new URL((await connector.start()).redirectUrl);
    const victim = new URL((await connector.start()).redirectUrl);
    for (const name of ['state', 'code_challenge']) attacker.searchParams.set(name, victim.searchParams.get(name)!);
    const callbackUrl = await authorize(attacker.href);
    const error = await refusal(connector.complete({ callbackUrl, expected: { state: victim.searchParams.get('state')! } }));
    expect(error.code).toBe('google_response_invalid');
    expect(error.reason).toMatch(/nonce/);
  });

  it('refuses an ID token whose signature does not verify against Google\'s published keys', async () => {
    google.publishForeignKey(true);
    try {
      const error = await refusal(signIn(WORKSPACE));
      expect(error.code).toBe('google_response_invalid');
      expect(error.reason).toMatch(/signature/i);
    } finally {
      google.publishForeignKey(false);
    }
  });

  it('refuses a code redeemed with another transaction\'s PKCE verifier', async () => {
    google.nextLogin(WORKSPACE);
    const attacker = new URL((await connector.start()).redirectUrl);
    const victim = new URL((await connector.start()).redirectUrl);
    attacker.searchParams.set('state', victim.searchParams.get('state')!);
    const callbackUrl = await authorize(attacker.href);
    const error = await refusal(connector.complete({ callbackUrl, expected: { state: victim.searchParams.get('state')! } }));
    expect(error.code).toBe('google_response_invalid');
    expect(error.reason).toContain('invalid_grant');
  });

  it('refuses an account whose email Google has not verified', async () => {
    const error = await refusal(signIn({ ...WORKSPACE, sub: '1001', email: 'new@acme.test', email_verified: false }));
    expect(error.code).toBe('google_email_unverified');
    expect(error.status).toBe(403);
    expect(error.reason).toContain('new@acme.test');
  });

  it('refuses a Workspace account of another domain for an organisation that restricts hosted domains', async () => {
    const identity = await signIn({ ...WORKSPACE, sub: '1002', email: 'eve@globex.test', hd: 'globex.test' });
    const run = () => checkGoogleIdentity(identity, { googleHostedDomains: ['acme.test'] });
    expect(run).toThrow(expect.objectContaining({ code: 'google_hosted_domain_mismatch', status: 403 }));
  });

  it('refuses a consumer account at the organisation\'s email domain, even when hd was requested', async () => {
    // hd on the request is only a hint: this stand-in ignores it, as anyone editing the URL can.
    const identity = await signIn(CONSUMER_AT_ACME, { hostedDomain: 'acme.test' });
    expect(identity.hostedDomain).toBeUndefined();
    expect(() => checkGoogleIdentity(identity, { googleHostedDomains: ['acme.test'] }))
      .toThrow(expect.objectContaining({ code: 'google_hosted_domain_mismatch' }));
    expect(() => checkGoogleIdentity(identity, { googleHostedDomains: [] })).not.toThrow();
  });

  it('reports a cancelled sign-in as access denied', async () => {
    google.nextLogin('deny');
    const started = await connector.start();
    const callbackUrl = await authorize(started.redirectUrl);
    expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied');
    expect((await refusal(connector.complete({ callbackUrl, expected: { state: started.transactionId } }))).code).toBe('google_access_denied');
  });

  it('fails fast with google_unavailable when the token endpoint is slow', async () => {
    const impatient = connect({ timeoutMs: 300 });
    google.nextLogin(WORKSPACE);
    const started = await impatient.start();
    const callbackUrl = await authorize(started.redirectUrl);
    google.delay('/token', 3_000);
    try {
      const began = performance.now();
      const error = await refusal(impatient.complete({ callbackUrl, expected: { state: started.transactionId } }));
      expect(performance.now() - began).toBeLessThan(1_500);
      expect(error).toMatchObject({ code: 'google_unavailable', status: 503, expose: true });
      expect(error.reason).toContain('did not answer in time');
    } finally {
      google.delay('/token', 0);
    }
  });

  it('fails fast when discovery is slow, and does not cache the failure', async () => {
    const impatient = connect({ timeoutMs: 300 });
    google.delay('/.well-known/openid-configuration', 3_000);
    try {
      const began = performance.now();
      expect((await refusal(impatient.start())).code).toBe('google_unavailable');
      expect(performance.now() - began).toBeLessThan(1_500);
    } finally {
      google.delay('/.well-known/openid-configuration', 0);
    }
    await expect(impatient.start()).resolves.toMatchObject({ transactionId: expect.any(String) });
  });

  it('answers google_unavailable when Google cannot be reached at all', async () => {
    const nowhere = connect({ issuer: `http://127.0.0.1:${await freePort()}` });
    expect((await refusal(nowhere.start())).code).toBe('google_unavailable');
  });
});
