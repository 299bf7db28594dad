import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoresBeside } from '../support/stores-beside.ts';
import type { Stores } from '../../src/store/stores.ts';
import { adminApi, adminToken, CONSOLE_SECRET } from '../support/admin-client.ts';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { startFakeGoogle, type FakeGoogle, type FakeGoogleAccount } from '../support/fake-google.ts';
import { authorizationUrl, CALLBACK, exchange, PASSWORD, relyingParty, type RelyingParty } from '../support/oidc-flow.ts';
import { freePort } from '../support/services.ts';
import { startPlainSmtp, type RunningSmtp, smtpEnv } from '../support/smtp.ts';

/*
 * Google sign-in and per-organisation login methods with openid-client, against a local OpenID provider
 * standing in for Google (ID tokens with `hd` and `email_verified`), on Redis + FerretDB.
 */

let server: TestServer;
let google: FakeGoogle;
let smtp: RunningSmtp;
let stores: Stores;
let rp: RelyingParty;

const account = (email: string, extra: Partial<FakeGoogleAccount> = {}): FakeGoogleAccount => ({ sub: `g-${email}`, email, email_verified: true, name: email.split('@')[0], ...extra });

beforeAll(async () => {
  const port = await freePort();
  google = await startFakeGoogle({ clientId: 'bk-at-google', clientSecret: 'google-secret-0123456789', redirectUri: `http://127.0.0.1:${port}/google/callback` });
  smtp = await startPlainSmtp();
  const dir = await mkdtemp(join(tmpdir(), 'bk-google-'));
  const bootstrap = join(dir, 'world.yaml');
  await writeFile(bootstrap, stringify({
    organizations: [
      { slug: 'gco', name: 'G Co', loginPolicy: { methods: ['password', 'google'], googleHostedDomains: ['gco.test'] }, domains: [{ domain: 'gco.test', verified: true }] },
      { slug: 'ssoco', name: 'SSO Co', loginPolicy: { methods: ['saml'] } },
      { slug: 'open', name: 'Open Co', loginPolicy: { methods: ['google'] } },
    ],
    users: [
      { email: 'gina@gco.test', name: 'Gina', password: PASSWORD, emailVerified: true },
      { email: 'gary@gco.test', name: 'Gary', password: PASSWORD, emailVerified: true },
      { email: 'sam@ssoco.test', name: 'Sam', password: PASSWORD, emailVerified: true },
      { email: 'olga@gco.test', name: 'Olga', password: PASSWORD, emailVerified: true },
      { email: 'mia@gco.test', name: 'Mia', password: PASSWORD, emailVerified: true },
      { email: 'max@gco.test', name: 'Max', password: PASSWORD, emailVerified: true },
    ],
    memberships: [
      { user: 'gina@gco.test', org: 'gco', roles: ['developer'] },
      { user: 'gary@gco.test', org: 'gco', roles: ['developer'] },
      { user: 'sam@ssoco.test', org: 'ssoco', roles: ['developer'] },
      { user: 'olga@gco.test', org: 'gco', roles: ['owner'] },
      ...['gco', 'open', 'ssoco'].map((org) => ({ user: 'mia@gco.test', org, roles: ['developer'] })),
      ...['gco', 'ssoco'].map((org) => ({ user: 'max@gco.test', org, roles: ['developer'] })),
    ],
    connections: [{ org: 'open', kind: 'google', name: 'Google', enabled: true, jit: { enabled: true, defaultRoles: ['analyst'] } }],
    clients: [{ clientId: 'console', name: 'Admin console', redirectUris: [CALLBACK], clientSecret: CONSOLE_SECRET, firstParty: true, idTokenSignedResponseAlg: 'ES256' }],
  }));
  server = await startBridgekeeper({
    backends: 'redis+ferretdb', bootstrap, port,
    env: {
      BRIDGEKEEPER_GOOGLE__CLIENT_ID: 'bk-at-google', BRIDGEKEEPER_GOOGLE__CLIENT_SECRET: 'google-secret-0123456789', BRIDGEKEEPER_GOOGLE__ISSUER: google.issuer,
      ...smtpEnv(smtp),
    },
  });
  stores = await openStoresBeside(server.config);
  rp = await relyingParty(server.issuer, 'console', CONSOLE_SECRET);
});
afterAll(async () => {
  await stores?.close();
  await server?.stop();
  await google?.stop();
  await smtp?.stop();
});

/** Email page (or the password page after `email`), "Continue with Google", Google approves `as`. */
async function withGoogle(as: FakeGoogleAccount, options: { email?: string; params?: Record<string, string> } = {}) {
  google.nextLogin(as);
  const browser = new Browser();
  const started = await authorizationUrl(rp, options.params ?? {});
  let page = await browser.open(started.url.href, CALLBACK) as Page;
  if (options.email) page = await browser.submit(page, '/email', { email: options.email }) as Page;
  const result = await browser.submit(page, '/google', {}, CALLBACK);
  return { browser, started, result };
}

describe('Google sign-in', () => {
  it('signs a member in through Google for an organisation that allows it, linking the account by verified email', async () => {
    const { started, result } = await withGoogle(account('gina@gco.test', { hd: 'gco.test' }));
    if (isPage(result)) throw new Error(`sign-in did not finish: ${result.status} ${result.body.slice(0, 400)}`);
    const claims = (await exchange(rp, started, result.redirectedTo)).claims()!;
    expect(claims).toMatchObject({ email: 'gina@gco.test', org: 'gco', amr: ['fed'] });
    const gina = await stores.users.findByEmail('gina@gco.test');
    expect(await stores.federatedIdentities.findBySubject('google', 'g-gina@gco.test')).toMatchObject({ userId: gina!.id });
    // Its owner hears that the account has a new way in.
    const notice = await smtp.waitFor('gina@gco.test');
    expect(notice.subject).toBe('A new sign-in method was added to your account');
    expect(notice.text).toContain('Google can now be used to sign in');
    // PKCE and the hosted-domain hint went over the wire.
    const auth = google.requests.filter((r) => r.path === '/auth').at(-1)!;
    expect(auth.query).toMatchObject({ code_challenge_method: 'S256', prompt: 'select_account' });
  });

  it('refuses a Google account outside the organisation\'s hosted domains, and a consumer account with its email', async () => {
    for (const wrong of [account('gary@gco.test'), account('gary@gco.test', { hd: 'elsewhere.test', sub: 'g-other' })]) {
      const { result } = await withGoogle(wrong, { email: 'gary@gco.test' });
      expect(isPage(result) && result.status).toBe(403);
    }
    expect(await stores.federatedIdentities.findBySubject('google', 'g-gary@gco.test')).toBeUndefined();
  });

  it('serves a Google session again only while the organisation still accepts its Workspace domain', async () => {
    const { browser, started, result } = await withGoogle(account('gina@gco.test', { hd: 'gco.test' }));
    if (isPage(result)) throw new Error(`sign-in did not finish: ${result.status} ${result.body.slice(0, 400)}`);
    expect((await exchange(rp, started, result.redirectedTo)).claims()).toMatchObject({ org: 'gco', amr: ['fed'] });
    const silent = await browser.open((await authorizationUrl(rp, { organization: 'gco' })).url.href, CALLBACK);
    expect(isPage(silent)).toBe(false);

    // Its owner narrows the organisation to another Workspace domain.
    const admin = adminApi(server.issuer, await adminToken(server.issuer, 'olga@gco.test', { organization: 'gco' }));
    const policy = (domains: string[]) => ({ loginPolicy: { methods: ['password', 'google'], googleHostedDomains: domains } });
    expect((await admin.patch('/organization', policy(['gco-new.test']))).status).toBe(200);
    try {
      const again = await browser.open((await authorizationUrl(rp, { organization: 'gco' })).url.href, CALLBACK);
      if (!isPage(again)) throw new Error(`served silently: ${again.redirectedTo}`);
      expect(again.status).toBe(200);
      expect(again.body).toContain('name="email"');
    } finally {
      expect((await admin.patch('/organization', policy(['gco.test']))).status).toBe(200);
    }
  });

  it('offers after Google only the organisations that accept the Google account, and takes the one that does at once', async () => {
    // Mia belongs to G Co (its Workspace domain), Open Co (any Google account) and SSO Co (its IdP only).
    const mia = await withGoogle(account('mia@gco.test', { hd: 'gco.test' }));
    if (!isPage(mia.result)) throw new Error(`no organisation picker: ${mia.result.redirectedTo}`);
    expect(mia.result.body).toContain('G Co');
    expect(mia.result.body).toContain('Open Co');
    expect(mia.result.body).not.toContain('SSO Co');
    const open = (await stores.organizations.findBySlug('open'))!;
    const picked = await mia.browser.submit(mia.result, '/organization', { organization: open.id }, CALLBACK);
    if (isPage(picked)) throw new Error(`the pick did not finish: ${picked.status}`);
    expect((await exchange(rp, mia.started, picked.redirectedTo)).claims()).toMatchObject({ org: 'open', amr: ['fed'] });
    // A pick the page did not offer is still refused.
    const again = await withGoogle(account('mia@gco.test', { hd: 'gco.test' }));
    const ssoco = (await stores.organizations.findBySlug('ssoco'))!;
    const forced = await again.browser.submit(again.result as Page, '/organization', { organization: ssoco.id }, CALLBACK);
    expect(isPage(forced) && forced.status).toBe(403);

    // Max belongs to G Co and SSO Co: only G Co takes his Google account, so no picker.
    const max = await withGoogle(account('max@gco.test', { hd: 'gco.test' }));
    if (isPage(max.result)) throw new Error(`sign-in did not finish: ${max.result.status} ${max.result.body.slice(0, 300)}`);
    expect((await exchange(rp, max.started, max.result.redirectedTo)).claims()).toMatchObject({ org: 'gco' });
  });

  it('refuses an unverified Google email and creates no account', async () => {
    google.nextLogin(account('fresh@open.test', { email_verified: false }));
    const result = await new Browser().open((await authorizationUrl(rp, { organization: 'open' })).url.href, CALLBACK);
    expect(isPage(result) && result.status).toBe(403);
    expect(await stores.users.findByEmail('fresh@open.test')).toBeUndefined();
  });

  it('continues only in the browser Google sent back: the interaction without the callback\'s arrival cookie gets nothing', async () => {
    google.nextLogin(account('nora@open.test'));
    const browser = new Browser();
    const started = await authorizationUrl(rp, { organization: 'open', login_hint: 'nora@open.test' });
    // Stop where the callback sends the browser back to its interaction (the first stop: the interaction itself).
    const interactions = `${server.issuer}/interaction/`;
    const atInteraction = await browser.open(started.url.href, interactions);
    if (isPage(atInteraction)) throw new Error(`no interaction: ${atInteraction.status} ${atInteraction.body.slice(0, 300)}`);
    const back = await browser.follow(await browser.request(atInteraction.redirectedTo), interactions);
    if (isPage(back)) throw new Error(`did not come back from Google: ${back.status} ${back.body.slice(0, 300)}`);
    expect(back.redirectedTo).toMatch(/\/interaction\/[^/]+\/upstream\?handle=/);
    // What the callback set, replaced: as if another browser, holding this interaction, came for the answer.
    const path = new URL(back.redirectedTo).pathname.replace(/\/upstream$/, '');
    await browser.jar.setCookie(`bk_upstream=${'A'.repeat(32)}; Path=${path}; HttpOnly`, back.redirectedTo);
    const taken = await browser.follow(await browser.request(back.redirectedTo), CALLBACK);
    expect(isPage(taken) && taken.status).toBe(400);
    expect(await stores.users.findByEmail('nora@open.test')).toBeUndefined();
  });

  it('provisions just in time where the organisation\'s Google connection says so; a Google-only organisation goes straight to Google', async () => {
    google.nextLogin(account('newcomer@open.test'));
    const started = await authorizationUrl(rp, { organization: 'open', login_hint: 'newcomer@open.test' });
    const result = await new Browser().open(started.url.href, CALLBACK);
    if (isPage(result)) throw new Error(`sign-in did not finish: ${result.status} ${result.body.slice(0, 400)}`);
    expect((await exchange(rp, started, result.redirectedTo)).claims()).toMatchObject({ org: 'open', roles: ['analyst'] });
    // The application's login_hint went on to Google, so that it preselects the account.
    expect(google.requests.filter((r) => r.path === '/auth').at(-1)!.query.login_hint).toBe('newcomer@open.test');
  });

  it('is refused for an organisation that enforces SAML, on the way out and on the way back', async () => {
    const browser = new Browser();
    const opened = await browser.open((await authorizationUrl(rp, { organization: 'ssoco' })).url.href, CALLBACK) as Page;
    expect(opened.body).toContain('Continue with Google');
    const refusedStart = await browser.submit(opened, '/google', {}, CALLBACK);
    expect(isPage(refusedStart) && refusedStart.status).toBe(400);
    const { result } = await withGoogle(account('sam@ssoco.test', { sub: 'g-sam' }));
    expect(isPage(result) && result.status).toBe(403);
    // Refused before anything is written: the Google account was not linked to Sam's.
    expect(await stores.federatedIdentities.findBySubject('google', 'g-sam')).toBeUndefined();
  });
});

describe('organisations enforcing SSO', () => {
  it('refuse password sign-in, saying which methods they allow', async () => {
    const browser = new Browser();
    const opened = await browser.open((await authorizationUrl(rp)).url.href, CALLBACK) as Page;
    const passwordPage = await browser.submit(opened, '/email', { email: 'sam@ssoco.test' }) as Page;
    const blocked = await browser.submit(passwordPage, '/password', { password: PASSWORD }, CALLBACK) as Page;
    expect(blocked.status).toBe(403);
    expect(blocked.body).toContain('Access blocked');
    expect(blocked.body).toContain('single sign-on');
  });

  it('refuse password resets: the same neutral page, and an email explaining SSO instead of a link', async () => {
    const browser = new Browser();
    const form = await browser.open(`${server.issuer}/account/password/forgot`) as Page;
    const answer = await browser.submit(form, '/account/password/forgot', { email: 'sam@ssoco.test' }) as Page;
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('Check your email');
    const mail = await smtp.waitFor('sam@ssoco.test');
    expect(mail.subject).toBe('Your password cannot be reset');
    expect(mail.text).not.toMatch(/https?:\/\//);
  });
});
