import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationUrl, relyingParty, type RelyingParty } from '../support/oidc-flow.ts';

/*
 * Abuse limits at the HTTP level, on Redis + FerretDB: password guessing against one account, and reset emails
 * to one inbox, are cut off with 429 and Retry-After — alike for accounts that exist and ones that do not.
 */

const WORLD = fileURLToPath(new URL('../fixtures/oidc-world.yaml', import.meta.url));

let server: TestServer;
let rp: RelyingParty;
beforeAll(async () => {
  server = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap: WORLD });
  rp = await relyingParty(server.issuer, 'rp-first', 'first-party-secret-0123456789abcdef');
});
afterAll(async () => { await server?.stop(); });

async function guessPasswords(email: string, count: number): Promise<Page[]> {
  const browser = new Browser();
  const opened = await browser.open((await authorizationUrl(rp)).url.href) as Page;
  const passwordPage = await browser.submit(opened, '/email', { email }) as Page;
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) pages.push(await browser.submit(passwordPage, '/password', { password: `guess number ${i}` }) as Page);
  return pages;
}

describe('abuse limits', () => {
  it('stops password guessing at one account after ten attempts, the same way for an unknown email', async () => {
    for (const email of ['ada@acme.test', 'nobody-here@acme.test']) {
      const pages = await guessPasswords(email, 11);
      expect(pages.slice(0, 10).map((p) => p.status)).toEqual(Array(10).fill(401));
      const blocked = pages[10]!;
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(blocked.body).toContain('Too many sign-in attempts');
    }
    // The right password does not get through while the account is blocked either.
    const browser = new Browser();
    const opened = await browser.open((await authorizationUrl(rp)).url.href) as Page;
    const passwordPage = await browser.submit(opened, '/email', { email: 'ada@acme.test' }) as Page;
    expect((await browser.submit(passwordPage, '/password', { password: 'correct horse battery staple' }) as Page).status).toBe(429);
  });

  it('sends at most three reset links an hour to one address, answering the same for unknown ones', async () => {
    const outcomes = async (email: string) => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const browser = new Browser();
        const form = await browser.open(`${server.issuer}/account/password/forgot`) as Page;
        const result = await browser.submit(form, '/account/password/forgot', { email }) as Page;
        statuses.push(result.status);
        if (result.status === 429) expect(result.headers.get('retry-after')).toMatch(/^\d+$/);
      }
      return statuses;
    };
    expect(await outcomes('multi@example.test')).toEqual([200, 200, 200, 429]);
    expect(await outcomes('ghost@example.test')).toEqual([200, 200, 200, 429]);
  });

});

describe('abuse limits from configuration', () => {
  it('take the operator\'s numbers', async () => {
    const strict = await startBridgekeeper({ backends: 'embedded', bootstrap: WORLD, env: { BRIDGEKEEPER_RATE_LIMITS__PASSWORD_PER_ACCOUNT: '3' } });
    try {
      const strictRp = await relyingParty(strict.issuer, 'rp-first', 'first-party-secret-0123456789abcdef');
      const browser = new Browser();
      const opened = await browser.open((await authorizationUrl(strictRp)).url.href) as Page;
      const passwordPage = await browser.submit(opened, '/email', { email: 'ada@acme.test' }) as Page;
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await browser.submit(passwordPage, '/password', { password: `guess ${i}` }) as Page).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await strict.stop();
    }
  });
});
