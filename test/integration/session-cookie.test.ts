import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, isPage } from '../support/browser.ts';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { authorizationUrl, CALLBACK, exchange, relyingParty, signIn, type RelyingParty } from '../support/oidc-flow.ts';

/*
 * An https deployment (behind a TLS-terminating balancer) names its session cookie with the __Host- prefix.
 * The cookie jar is tough-cookie, which applies the prefix rules as browsers do: a sibling subdomain that sets
 * a session cookie for the parent domain (cookie tossing) cannot make this host's browser carry it, so it
 * cannot sign a visitor in as someone else.
 */
const WORLD = fileURLToPath(new URL('../fixtures/oidc-world.yaml', import.meta.url));
const PUBLIC_URL = 'https://login.example.test';
const SECRET = 'first-party-secret-0123456789abcdef';

let server: TestServer;
beforeAll(async () => {
  const suffix = Math.random().toString(36).slice(2, 10);
  server = await startBridgekeeper({
    backends: 'redis+ferretdb', bootstrap: WORLD,
    shared: { database: `bk_cookie_${suffix}`, keyPrefix: `bk-cookie-${suffix}:`, publicUrl: PUBLIC_URL },
    env: { BRIDGEKEEPER_SERVER__TRUST_PROXY: 'true' },
  });
});
afterAll(async () => {
  await server?.stop();
});

function browserBehindTls(): Browser {
  const browser = new Browser();
  browser.route = (url) => url.startsWith(PUBLIC_URL)
    ? { url: server.direct + url.slice(PUBLIC_URL.length), headers: { 'x-forwarded-host': new URL(PUBLIC_URL).host, 'x-forwarded-proto': 'https' } }
    : { url };
  return browser;
}

async function signedIn(): Promise<{ browser: Browser; rp: RelyingParty }> {
  const browser = browserBehindTls();
  const rp = await relyingParty(PUBLIC_URL, 'rp-first', SECRET, browser.route);
  const started = await authorizationUrl(rp);
  await exchange(rp, started, await signIn(browser, started, { email: 'ada@acme.test' }));
  return { browser, rp };
}

/** A silent authorization request: the code when the browser carries a session, login_required when not. */
async function silently(browser: Browser, rp: RelyingParty): Promise<string> {
  const result = await browser.open((await authorizationUrl(rp, { prompt: 'none' })).url.href, CALLBACK);
  if (isPage(result)) throw new Error(`no redirect to the app: ${result.status}`);
  const answer = new URL(result.redirectedTo).searchParams;
  return answer.get('code') ? 'code' : answer.get('error') ?? 'nothing';
}

describe('the session cookie of an https deployment', () => {
  it('is __Host-bk_session: Secure, host-only, on Path=/; the session it names is used again', async () => {
    const { browser, rp } = await signedIn();
    const cookies = await browser.jar.getCookies(`${PUBLIC_URL}/`);
    const session = cookies.find((cookie) => cookie.key === '__Host-bk_session');
    expect(session).toMatchObject({ secure: true, httpOnly: true, path: '/', hostOnly: true, sameSite: 'lax' });
    expect(cookies.map((cookie) => cookie.key)).not.toContain('_session');
    expect(await silently(browser, rp)).toBe('code');
  });

  it('cannot be planted from a sibling subdomain: a tossed session signs nobody in', async () => {
    const attacker = await signedIn();
    const victim = browserBehindTls();
    // evil.example.test sets every session cookie the attacker holds for the whole parent domain.
    for (const cookie of await attacker.browser.jar.getCookies(`${PUBLIC_URL}/`)) {
      await victim.jar.setCookie(`${cookie.key}=${cookie.value}; Domain=example.test; Path=/; Secure`, 'https://evil.example.test/');
    }
    expect(await silently(victim, attacker.rp)).toBe('login_required');
  });
});
