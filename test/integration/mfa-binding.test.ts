import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK, exchange, relyingParty, type RelyingParty, type Started } from '../support/oidc-flow.ts';
import { startPlainSmtp, type RunningSmtp, smtpEnv } from '../support/smtp.ts';

/*
 * A second factor counts only for the account that passed it. Victor belongs to an organisation that requires
 * the emailed code (strict) and to one that does not (loose); Mallory, in loose only, has opted in to the code,
 * so she can always pass one of her own. Whatever Mallory does in Victor's browser session, or Victor in hers,
 * no code of one becomes the other's.
 */
const WORLD = fileURLToPath(new URL('../fixtures/mfa-binding-world.yaml', import.meta.url));
const VICTOR = { email: 'victor@strict.test', password: 'victims own password 12345' };
const MALLORY = { email: 'mallory@loose.test', password: 'correct horse battery staple' };

let server: TestServer;
let smtp: RunningSmtp;
let dash: RelyingParty;
let partner: RelyingParty;
beforeAll(async () => {
  smtp = await startPlainSmtp();
  server = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap: WORLD, env: smtpEnv(smtp) });
  dash = await relyingParty(server.issuer, 'dash', 'first-party-secret-0123456789abcdef');
  partner = await relyingParty(server.issuer, 'partner', 'third-party-secret-0123456789abcdef');
});
afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
});

/** The code of the next mail to `email`, one not received yet when this is called. */
function nextCode(email: string): () => Promise<string> {
  const before = new Set(smtp.received.map((received) => received.mail));
  return async () => /\b(\d{6})\b/.exec((await smtp.waitFor(email, (mail) => !before.has(mail))).text ?? '')![1]!;
}

async function claimsOf(rp: RelyingParty, started: Started, done: Page | { redirectedTo: string }) {
  if (isPage(done)) throw new Error(`sign-in did not finish: ${done.status} ${done.body.slice(0, 300)}`);
  return (await exchange(rp, started, done.redirectedTo)).claims()!;
}

/** The interaction's form posts, addressed directly (the CSRF token comes from any page of it). */
function interactionOf(page: Page) {
  const uid = /\/interaction\/([^/"]+)\//.exec(page.body)![1]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  return (step: string, form: Record<string, string> = {}) => ({ url: new URL(`/interaction/${uid}/${step}`, server.issuer).href, form: { csrf, ...form } });
}

describe('the emailed code, bound to the account that passed it', () => {
  it('a code passed by another account in the same interaction does not step up the session\'s account', async () => {
    const browser = new Browser();
    // Victor signs in with his password where no code is required: a one-factor session.
    const first = await authorizationUrl(dash, { organization: 'loose' });
    const emailPage = await browser.open(first.url.href, CALLBACK) as Page;
    const passwordPage = await browser.submit(emailPage, '/email', { email: VICTOR.email }) as Page;
    expect((await claimsOf(dash, first, await browser.submit(passwordPage, '/password', { password: VICTOR.password }, CALLBACK))).amr).toEqual(['pwd']);

    // A third-party app's consent for Victor's session; in that interaction Mallory signs in and passes her code,
    // then the email is changed back to Victor's and the consent given.
    const second = await authorizationUrl(partner, { organization: 'loose' });
    const consent = await browser.open(second.url.href, CALLBACK) as Page;
    const step = interactionOf(consent);
    const mallorysCode = nextCode(MALLORY.email);
    const pages: Page[] = [];
    for (const [name, form] of [['email', { email: MALLORY.email }], ['password', { password: MALLORY.password }]] as const) {
      const { url, form: body } = step(name, form);
      pages.push(await browser.request(url, { form: body }));
    }
    expect(pages[1]!.body).toContain('name="code"');
    const otp = step('otp', { code: await mallorysCode() });
    // Mallory's code is right: the consent page follows, for her.
    expect((await browser.request(otp.url, { form: otp.form })).body).toContain('/consent"');
    for (const [name, form] of [['email', { email: VICTOR.email }], ['consent', {}]] as const) {
      const { url, form: body } = step(name, form);
      const answer = await browser.follow(await browser.request(url, { form: body }), CALLBACK);
      if (name === 'consent') {
        // What the consent finishes is Victor's session as it was: one factor.
        const claims = await claimsOf(partner, second, answer);
        expect(claims).toMatchObject({ email: VICTOR.email, amr: ['pwd'], acr: 'urn:bridgekeeper:loa:1' });
      }
    }

    // The organisation that requires the code does not take that session as it is (it took it, code and all,
    // when Mallory's code stepped it up): Victor's own code is asked for, on top of his session.
    const strict = await authorizationUrl(dash, { organization: 'strict' });
    const victorsCode = nextCode(VICTOR.email);
    const atStrict = await browser.open(strict.url.href, CALLBACK) as Page;
    const codePage = await browser.submit(atStrict, '/otp/resend') as Page;
    expect(codePage.body).toContain('name="code"');
    const stepped = await browser.submit(codePage, '/otp', { code: await victorsCode() }, CALLBACK);
    expect(await claimsOf(dash, strict, stepped)).toMatchObject({ email: VICTOR.email, org: 'strict', amr: ['pwd', 'otp', 'mfa'], acr: 'urn:bridgekeeper:loa:2' });
  });

  it('a session made with another account\'s code does not spare a new sign-in its own', async () => {
    const browser = new Browser();
    // Mallory signs in with her password and her code: a two-factor session, hers.
    const hers = await authorizationUrl(dash, { organization: 'loose' });
    const emailPage = await browser.open(hers.url.href, CALLBACK) as Page;
    const passwordPage = await browser.submit(emailPage, '/email', { email: MALLORY.email }) as Page;
    const mallorysCode = nextCode(MALLORY.email);
    const otpPage = await browser.submit(passwordPage, '/password', { password: MALLORY.password }) as Page;
    const code = await mallorysCode();
    expect((await claimsOf(dash, hers, await browser.submit(otpPage, '/otp', { code }, CALLBACK))).amr).toEqual(expect.arrayContaining(['otp']));

    // In the same browser, Victor signs in anew to the organisation that requires the code: it is asked of him.
    const victorsCode = nextCode(VICTOR.email);
    const his = await authorizationUrl(dash, { organization: 'strict', prompt: 'login' });
    const again = await browser.open(his.url.href, CALLBACK) as Page;
    const hisPassword = await browser.submit(again, '/email', { email: VICTOR.email }) as Page;
    const answer = await browser.submit(hisPassword, '/password', { password: VICTOR.password }, CALLBACK);
    expect(isPage(answer) && answer.body).toContain('name="code"');
    expect(await victorsCode()).toMatch(/^\d{6}$/);
  });

  it('a sign-in anew (prompt=login) asks for the code again, once, even with a two-factor session of the same account', async () => {
    const browser = new Browser();
    const signIn = async (params: Record<string, string>) => {
      const started = await authorizationUrl(dash, params);
      const emailPage = await browser.open(started.url.href, CALLBACK) as Page;
      const passwordPage = await browser.submit(emailPage, '/email', { email: VICTOR.email }) as Page;
      const victorsCode = nextCode(VICTOR.email);
      const otpPage = await browser.submit(passwordPage, '/password', { password: VICTOR.password }, CALLBACK);
      expect(isPage(otpPage) && otpPage.body).toContain('name="code"');
      return claimsOf(dash, started, await browser.submit(otpPage as Page, '/otp', { code: await victorsCode() }, CALLBACK));
    };
    expect((await signIn({ organization: 'strict' })).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect((await signIn({ organization: 'strict', prompt: 'login' })).amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});
