import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK, exchange, relyingParty, signIn, type RelyingParty } from '../support/oidc-flow.ts';
import { startRedis } from '../support/redis.ts';
import type { RunningService } from '../support/services.ts';
import { freePort } from '../support/services.ts';

/*
 * Redis killed in the middle of a sign-in, then started again (a redis-server of this test's own, so the
 * suite's shared one stays up): the process survives, the person gets a clear 503 page, readiness says which
 * dependency is down, and the next sign-in works once Redis is back — nobody restarts Bridgekeeper.
 */

const WORLD = fileURLToPath(new URL('../fixtures/oidc-world.yaml', import.meta.url));

let redisPort: number;
let redis: RunningService | undefined;
let server: TestServer;
let rp: RelyingParty;

beforeAll(async () => {
  redisPort = await freePort();
  redis = await startRedis(redisPort);
  server = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap: WORLD, env: { BRIDGEKEEPER_REDIS__URL: `redis://127.0.0.1:${redisPort}` } });
  rp = await relyingParty(server.issuer, 'rp-first', 'first-party-secret-0123456789abcdef');
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

describe('Redis down during a sign-in', () => {
  it('answers a clear 503 page, stays alive, and recovers by itself when Redis returns', async () => {
    const browser = new Browser();
    const started = await authorizationUrl(rp);
    const emailPage = await browser.open(started.url.href, CALLBACK) as Page;
    const passwordPage = await browser.submit(emailPage, '/email', { email: 'ada@acme.test' }) as Page;

    await redis!.stop();
    redis = undefined;
    const during = await browser.submit(passwordPage, '/password', { password: 'correct horse battery staple' }, CALLBACK) as Page;
    expect(during.status).toBe(503);
    expect(during.headers.get('content-type')).toContain('text/html');
    expect(during.body).toContain('temporarily unavailable');
    expect(during.body).not.toMatch(/ECONNREFUSED|ioredis|at .*\.ts:/);
    // A new sign-in at the provider's own endpoint while Redis is down: the same clear page.
    const fresh = await new Browser().request((await authorizationUrl(rp)).url.href);
    expect(fresh.status).toBe(503);
    expect(fresh.body).toContain('temporarily unavailable');
    expect((await fetch(`${server.direct}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.direct}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('kv');

    redis = await startRedis(redisPort);
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${server.direct}/readyz`)).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const again = await authorizationUrl(rp);
    const tokens = await exchange(rp, again, await signIn(new Browser(), again, { email: 'ada@acme.test' }));
    expect(tokens.claims()?.email).toBe('ada@acme.test');
  });
});
