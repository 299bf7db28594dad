import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { freePort } from '../support/services.ts';
import { Browser } from '../support/browser.ts';
import { authorizationUrl, relyingParty, signIn } from '../support/oidc-flow.ts';

const BOOTSTRAP = new URL('../fixtures/oidc-world.yaml', import.meta.url).pathname;

describe('metrics endpoint', () => {
  let server: TestServer;
  let metricsPort: number;
  beforeAll(async () => {
    // freePort() may hand out the same port twice in a row: the public and the metrics port must differ.
    const port = await freePort();
    do metricsPort = await freePort(); while (metricsPort === port);
    server = await startBridgekeeper({
      backends: 'embedded',
      port,
      bootstrap: BOOTSTRAP,
      env: { BRIDGEKEEPER_METRICS__ENABLED: 'true', BRIDGEKEEPER_METRICS__PORT: String(metricsPort) },
    });
  });
  afterAll(async () => { await server?.stop(); });

  it('is served on its own port, in the Prometheus text format', async () => {
    expect(server.metricsUrl).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
    const scrape = await fetch(server.metricsUrl!);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await scrape.text();
    for (const name of ['http_request_duration_seconds', 'signins_total', 'store_operation_duration_seconds', 'kv_operation_duration_seconds']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('counts sign-ins by method and outcome, and times requests by route template, not by raw path', async () => {
    const rp = await relyingParty(server.issuer, 'rp-first', 'first-party-secret-0123456789abcdef');
    const started = await authorizationUrl(rp);
    await signIn(new Browser(), started, { email: 'ada@acme.test' });
    const text = await (await fetch(server.metricsUrl!)).text();
    expect(text).toMatch(/signins_total\{method="password",outcome="success"\} 1/);
    expect(text).toContain('route="/interaction/:uid/password"');
    expect(text).not.toMatch(/route="\/interaction\/[A-Za-z0-9_-]{20,}/);
  });

  it('is not served on the public port', async () => {
    expect((await fetch(`${server.direct}/healthz`)).status).toBe(200);
    const publicScrape = await fetch(`${server.direct}/metrics`);
    expect(publicScrape.status).toBe(404);
    expect(await publicScrape.text()).not.toContain('# TYPE');
  });

  it('stops with the server', async () => {
    const other = await startBridgekeeper({
      backends: 'embedded',
      bootstrap: BOOTSTRAP,
      env: { BRIDGEKEEPER_METRICS__ENABLED: 'true', BRIDGEKEEPER_METRICS__PORT: '0' },
    });
    const url = other.metricsUrl!;
    expect((await fetch(url)).status).toBe(200);
    await other.stop();
    await expect(fetch(url)).rejects.toThrow();
  });

  it('is off by default', async () => {
    const plain = await startBridgekeeper({ backends: 'embedded', bootstrap: BOOTSTRAP });
    try {
      expect(plain.metricsUrl).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });
});
