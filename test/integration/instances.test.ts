import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { freePort } from '../support/services.ts';
import { authorizationUrl, exchange, relyingParty, signIn } from '../support/oidc-flow.ts';

const WORLD = fileURLToPath(new URL('../fixtures/oidc-world.yaml', import.meta.url));

describe('two instances sharing Redis and the database', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    const suffix = Math.random().toString(36).slice(2, 10);
    const shared = { database: `bk_pair_${suffix}`, keyPrefix: `bk-pair-${suffix}:`, publicUrl: `http://127.0.0.1:${await freePort()}` };
    // Behind one load balancer: the public URL is the balancer's, which sets X-Forwarded-Host/Proto.
    const env = { BRIDGEKEEPER_SERVER__TRUST_PROXY: 'true' };
    a = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap: WORLD, shared, env });
    b = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap: WORLD, shared, env });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('announce the public https issuer and endpoints behind a TLS-terminating proxy', async () => {
    const response = await fetch(`${b.direct}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-host': new URL(a.issuer).host, 'x-forwarded-proto': 'https' },
    });
    const metadata = await response.json() as Record<string, string>;
    expect(metadata.issuer).toBe(a.issuer);
    expect(metadata.token_endpoint).toBe(`https://${new URL(a.issuer).host}/token`);
  });

  it('set secure cookies when the proxy says the request came over https', async () => {
    const started = new URL(`${b.direct}/auth`);
    started.search = new URLSearchParams({
      client_id: 'rp-first', response_type: 'code', scope: 'openid', redirect_uri: 'https://rp.example.test/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(started, {
      redirect: 'manual',
      headers: { 'x-forwarded-host': new URL(a.issuer).host, 'x-forwarded-proto': 'https' },
    });
    expect(response.status).toBe(303);
    const cookies = response.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toContain('; secure');
  });

  it('redeem one code exactly once when twenty redemptions race across both', async () => {
    const browser = new Browser();
    const publicHost = new URL(a.issuer).host;
    let turn = 0;
    browser.route = (url) => url.startsWith(a.issuer)
      ? { url: [a, b][turn++ % 2]!.direct + url.slice(a.issuer.length), headers: { 'x-forwarded-host': publicHost, 'x-forwarded-proto': 'http' } }
      : { url };
    const rp = await relyingParty(a.issuer, 'rp-first', 'first-party-secret-0123456789abcdef', browser.route);
    const started = await authorizationUrl(rp);
    const callback = await signIn(browser, started, { email: 'ada@acme.test' });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => exchange(rp, started, callback)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('serve identical JWKS', async () => {
    const [fromA, fromB] = await Promise.all([a, b].map(async (s) => (await fetch(`${s.direct}/jwks`)).json()));
    expect(fromA).toEqual(fromB);
    expect((fromA as { keys: unknown[] }).keys.length).toBeGreaterThanOrEqual(2);
  });

  it('finish a sign-in started on the other, alternating on every request', async () => {
    const browser = new Browser();
    let turn = 0;
    const seen = new Set<string>();
    const publicHost = new URL(a.issuer).host;
    browser.route = (url) => {
      if (!url.startsWith(a.issuer)) return { url };
      const target = [a, b][turn++ % 2]!.direct;
      seen.add(target);
      return { url: target + url.slice(a.issuer.length), headers: { 'x-forwarded-host': publicHost, 'x-forwarded-proto': 'http' } };
    };
    // The relying app reaches the provider through the same balancer.
    const rp = await relyingParty(a.issuer, 'rp-first', 'first-party-secret-0123456789abcdef', browser.route);
    const started = await authorizationUrl(rp);
    const callback = await signIn(browser, started, { email: 'ada@acme.test' });
    const tokens = await exchange(rp, started, callback);
    expect([...seen].sort()).toEqual([a.direct, b.direct].sort());

    const jwksFromB = createRemoteJWKSet(new URL(`${b.direct}/jwks`));
    const { payload } = await jwtVerify(tokens.id_token!, jwksFromB, { issuer: a.issuer, audience: 'rp-first' });
    expect(payload.org).toBe('acme');
  });
});
