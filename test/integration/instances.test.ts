import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { freePort } from '../support/services.ts';
import { authorizationUrl, exchange, relyingParty, signIn } from './oidc-flow.ts';

const WORLD = fileURLToPath(new URL('../fixtures/oidc-world.yaml', import.meta.url));

describe('two instances sharing Redis and the database', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    const suffix = Math.random().toString(36).slice(2, 10);
    const shared = { database: `bk_pair_${suffix}`, keyPrefix: `bk-pair-${suffix}:`, publicUrl: `http://127.0.0.1:${await freePort()}` };
    a = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap: WORLD, shared });
    b = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap: WORLD, shared });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
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
    browser.route = (url) => {
      if (!url.startsWith(a.issuer)) return url;
      const target = [a, b][turn++ % 2]!.direct;
      seen.add(target);
      return target + url.slice(a.issuer.length);
    };
    // The relying app reaches the provider through the same balancer.
    const rp = await relyingParty(a.issuer, 'rp-first', 'first-party-secret-0123456789abcdef', (url) => browser.route(url));
    const started = await authorizationUrl(rp);
    const callback = await signIn(browser, started, { email: 'ada@acme.test' });
    const tokens = await exchange(rp, started, callback);
    expect(seen.size).toBe(2);

    const jwksFromB = createRemoteJWKSet(new URL(`${b.direct}/jwks`));
    const { payload } = await jwtVerify(tokens.id_token!, jwksFromB, { issuer: a.issuer, audience: 'rp-first' });
    expect(payload.org).toBe('acme');
  });
});
