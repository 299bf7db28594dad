import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_SECRET } from '../support/admin-client.ts';
import { startBridgekeeper, type Backends, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK, exchange, PASSWORD, relyingParty, type RelyingParty, type Started } from '../support/oidc-flow.ts';
import { startPlainSmtp, type RunningSmtp, smtpEnv } from '../support/smtp.ts';

/*
 * Email one-time passwords as a second factor, end to end: openid-client starts the flow, the sign-in pages
 * are driven like a person would, a real SMTP server receives the code, and the ID token's amr shows it.
 */

const WORLD = fileURLToPath(new URL('../fixtures/mfa-world.yaml', import.meta.url));

describe.each<Backends>(['redis+ferretdb', 'embedded'])('email one-time passwords (%s)', (backends) => {
  let server: TestServer;
  let smtp: RunningSmtp;
  let rp: RelyingParty;

  beforeAll(async () => {
    smtp = await startPlainSmtp();
    server = await startBridgekeeper({
      backends,
      bootstrap: WORLD,
      env: smtpEnv(smtp),
    });
    rp = await relyingParty(server.issuer, 'console', CONSOLE_SECRET);
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.stop();
  });

  /** Email and password; returns the page that follows, and the code mailed for it (if any). */
  async function firstFactor(email: string, params: Record<string, string> = {}) {
    const browser = new Browser();
    const started = await authorizationUrl(rp, params);
    const before = smtp.received.length;
    const opened = await browser.open(started.url.href, CALLBACK) as Page;
    const passwordPage = await browser.submit(opened, '/email', { email }) as Page;
    let result = await browser.submit(passwordPage, '/password', { password: PASSWORD }, CALLBACK);
    if (isPage(result) && result.body.includes('/organization"') && params.pick) {
      const id = new RegExp(`value="([^"]+)"[^>]*>[^<]*<span class="muted">\\(${params.pick}\\)`).exec(result.body)![1]!;
      result = await browser.submit(result, '/organization', { organization: id }, CALLBACK);
    }
    return { browser, started, result, mailed: () => latestCode(email, before) };
  }

  async function latestCode(email: string, after: number): Promise<string> {
    const mail = await smtp.waitFor(email, (m) => smtp.received.findIndex((r) => r.mail === m) >= after);
    expect(mail.subject).toBe('Your sign-in code');
    return /\b(\d{6})\b/.exec(mail.text ?? '')![1]!;
  }

  async function submitCode(browser: Browser, page: Page, code: string) {
    return browser.submit(page, '/otp', { code }, CALLBACK);
  }

  async function finish(started: Started, result: Page | { redirectedTo: string }) {
    if (isPage(result)) throw new Error(`sign-in did not finish: ${result.status} ${result.body.slice(0, 400)}`);
    return (await exchange(rp, started, result.redirectedTo)).claims()!;
  }

  it('asks for the emailed code when the organisation enforces MFA; amr then says otp', async () => {
    const { browser, started, result, mailed } = await firstFactor('alice@strict.test');
    const otpPage = result as Page;
    expect(isPage(result) && otpPage.body).toContain('autocomplete="one-time-code"');
    const code = await mailed();
    const claims = await finish(started, await submitCode(browser, otpPage, code));
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(claims.acr).toBe('urn:bridgekeeper:loa:2');
    expect(claims.org).toBe('strict');
  });

  it('asks only the member who opted in when the organisation leaves it to each member', async () => {
    const bob = await firstFactor('bob@loose.test');
    expect(isPage(bob.result) && bob.result.body).toContain('one-time-code');
    const bobClaims = await finish(bob.started, await submitCode(bob.browser, bob.result as Page, await bob.mailed()));
    expect(bobClaims.amr).toContain('otp');

    const carol = await firstFactor('carol@loose.test');
    const carolClaims = await finish(carol.started, carol.result);
    expect(carolClaims.amr).toEqual(['pwd']);
    expect(smtp.received.some((r) => r.envelope.to.includes('carol@loose.test'))).toBe(false);
  });

  it('decides by the organisation chosen: a member of both needs the code for the strict one only', async () => {
    const loose = await firstFactor('dual@example.test', { pick: 'loose' });
    expect((await finish(loose.started, loose.result)).amr).toEqual(['pwd']);
    const strict = await firstFactor('dual@example.test', { pick: 'strict' });
    expect(isPage(strict.result) && strict.result.body).toContain('one-time-code');
  });

  it('steps a one-factor session up with the code alone where the organisation enforces MFA, never silently', async () => {
    const loose = await firstFactor('dual@example.test', { pick: 'loose' });
    const first = await finish(loose.started, loose.result);
    expect(first.amr).toEqual(['pwd']);
    const { browser } = loose;
    // Asked without a page, the strict organisation does not take the one-factor session.
    const silent = await browser.open((await authorizationUrl(rp, { organization: 'strict', prompt: 'none' })).url.href, CALLBACK);
    if (isPage(silent)) throw new Error(`prompt=none showed a page: ${silent.status}`);
    expect(new URL(silent.redirectedTo).searchParams.get('code')).toBeNull();
    expect(new URL(silent.redirectedTo).searchParams.get('error')).toMatch(/_required$/);

    // With a page: neither email nor password again, only the code, mailed to the session's account once the
    // person asks for it (opening the link mails nothing). A second later, so that a new login time would show.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const started = await authorizationUrl(rp, { organization: 'strict' });
    const before = smtp.received.length;
    const offer = await browser.open(started.url.href, CALLBACK);
    if (!isPage(offer)) throw new Error(`served without the code: ${offer.redirectedTo}`);
    expect(offer.body).toContain('Strict Corp');
    expect(offer.body).not.toContain('name="password"');
    expect(offer.body).not.toContain('name="code"');
    const otpPage = await browser.submit(offer, '/otp/resend') as Page;
    expect(otpPage.body).toContain('one-time-code');
    expect(smtp.received.slice(before).filter((r) => r.envelope.to.includes('dual@example.test'))).toHaveLength(1);
    const claims = await finish(started, await submitCode(browser, otpPage, await latestCode('dual@example.test', before)));
    expect(claims).toMatchObject({ org: 'strict', amr: ['pwd', 'otp', 'mfa'], acr: 'urn:bridgekeeper:loa:2' });
    // The first factor was passed at the first sign-in: that stays the authentication time.
    expect(claims.auth_time).toBe(first.auth_time);

    // The stepped-up session then serves the strict organisation as it is.
    const again = await authorizationUrl(rp, { organization: 'strict' });
    const reused = await browser.open(again.url.href, CALLBACK);
    expect((await finish(again, reused)).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('refuses wrong, reused and replaced codes', async () => {
    const { browser, started, result, mailed } = await firstFactor('amy@strict.test');
    const first = await mailed();
    const wrong = await submitCode(browser, result as Page, first === '000000' ? '111111' : '000000') as Page;
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('code-error');

    const before = smtp.received.length;
    const resent = await browser.submit(wrong, '/otp/resend') as Page;
    expect(resent.body).toContain('A new code is on its way');
    const second = await latestCode('amy@strict.test', before);
    if (second !== first) {
      const replaced = await submitCode(browser, resent, first) as Page;
      expect(replaced.status).toBe(400);
    }
    const done = await submitCode(browser, resent, second);
    const claims = await finish(started, done);
    expect(claims.amr).toContain('otp');
    // The same code again, in a new sign-in, is no use: each sign-in has its own code, used once.
    const again = await firstFactor('amy@strict.test');
    expect((await submitCode(again.browser, again.result as Page, second) as Page).status).toBe(400);
  });

  it('kills a code after five wrong attempts: the sixth, even right, fails', async () => {
    const { browser, result, mailed } = await firstFactor('ann@strict.test');
    const code = await mailed();
    const wrong = code === '999999' ? '999998' : '999999';
    let page = result as Page;
    for (let attempt = 0; attempt < 5; attempt++) page = await submitCode(browser, page, wrong) as Page;
    const sixth = await submitCode(browser, page, code) as Page;
    expect(sixth.status).toBe(400);
    expect(sixth.body).toContain('Too many wrong codes');
  });

  it('evaluates at most five of twenty concurrent wrong guesses, then the code is dead', async () => {
    const { browser, result, mailed } = await firstFactor('guesser@strict.test');
    const code = await mailed();
    const guesses = Array.from({ length: 20 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const pages = await Promise.all(guesses.map((guess) => submitCode(browser, result as Page, guess) as Promise<Page>));
    const evaluated = pages.filter((p) => p.body.includes('That code is not right'));
    const refused = pages.filter((p) => p.body.includes('Too many wrong codes'));
    expect(evaluated.length).toBe(5);
    expect(refused.length).toBe(15);
    expect((await submitCode(browser, result as Page, code) as Page).body).toContain('Too many wrong codes');
  });

  it('cannot be skipped by posting to the later steps, nor completed without the interaction\'s cookies', async () => {
    const { browser, result, mailed } = await firstFactor('sam@strict.test');
    const otpPage = result as Page;
    const csrf = /name="csrf" value="([^"]+)"/.exec(otpPage.body)![1]!;
    const uid = /\/interaction\/([^/"]+)\/otp/.exec(otpPage.body)![1]!;
    for (const step of ['consent', 'organization']) {
      const posted = await browser.request(`${server.issuer}/interaction/${uid}/${step}`, { form: { csrf } });
      expect(posted.status).toBe(200);
      expect(posted.body, step).toContain('one-time-code');
    }
    const resumed = await browser.open(`${server.issuer}/interaction/${uid}`, CALLBACK);
    expect(isPage(resumed) && resumed.body).toContain('one-time-code');
    // Without the browser's interaction cookie, the step is not even found.
    const stranger = await new Browser().request(`${server.issuer}/interaction/${uid}/otp`, { form: { csrf, code: '123456' } });
    expect(stranger.status).toBeGreaterThanOrEqual(400);
    expect(stranger.headers.get('location')).toBeNull();
    // The real browser still finishes once it gives the code.
    expect(isPage(await browser.submit(otpPage, '/otp', { code: await mailed() }, CALLBACK))).toBe(false);
  });
});
