import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, metricsMiddleware, serveMetrics, type Metrics } from '../../../src/metrics/index.ts';

async function listen(app: Koa): Promise<{ url: string; server: Server }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function observations(metrics: Metrics): Promise<Record<string, string>[]> {
  const metric = await metrics.registry.getSingleMetric('http_request_duration_seconds')!.get();
  return metric.values.filter((v) => (v as { metricName?: string }).metricName === 'http_request_duration_seconds_count')
    .map((v) => v.labels as Record<string, string>);
}

describe('metricsMiddleware', () => {
  let server: Server | undefined;
  afterEach(() => { server?.close(); });

  it('labels requests with the route template, never the raw path, and the final status class', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const app = new Koa();
    app.use(metricsMiddleware(metrics));
    app.use(async (ctx, next) => {
      // An error handler inside the measured middleware: the status it sets is the one counted.
      try { await next(); } catch { ctx.status = 409; }
    });
    const router = new Router();
    router.get('/orgs/:orgId/members/:userId', (ctx) => { ctx.body = ctx.params.userId; });
    router.post('/orgs/:orgId', () => { throw new Error('refused'); });
    app.use(router.routes());
    let url: string;
    ({ url, server } = await listen(app));

    expect((await fetch(`${url}/orgs/o1/members/secret-token-123`)).status).toBe(200);
    expect((await fetch(`${url}/orgs/o1`, { method: 'POST' })).status).toBe(409);
    expect((await fetch(`${url}/nothing/here?token=abc`)).status).toBe(404);
    await fetch(`${url}/x`, { method: 'PROPFIND' });

    const labels = await observations(metrics);
    expect(labels).toContainEqual({ method: 'GET', route: '/orgs/:orgId/members/:userId', status_class: '2xx' });
    expect(labels).toContainEqual({ method: 'POST', route: '/orgs/:orgId', status_class: '4xx' });
    expect(labels).toContainEqual({ method: 'GET', route: 'unmatched', status_class: '4xx' });
    expect(labels).toContainEqual({ method: 'OTHER', route: 'unmatched', status_class: '4xx' });
    expect(JSON.stringify(labels)).not.toMatch(/secret-token|abc|o1/);
  });

  it('counts an error nothing handled by its status, or 500', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const app = new Koa();
    app.silent = true;
    app.use(metricsMiddleware(metrics));
    app.use(() => { throw new Error('boom'); });
    let url: string;
    ({ url, server } = await listen(app));
    expect((await fetch(url)).status).toBe(500);
    expect(await observations(metrics)).toContainEqual({ method: 'GET', route: 'unmatched', status_class: '5xx' });
  });
});

describe('serveMetrics', () => {
  it('serves GET /metrics in the text format and nothing else', async () => {
    const metrics = createMetrics();
    metrics.signins.inc({ method: 'password', outcome: 'success' });
    const served = await serveMetrics({ metrics, host: '127.0.0.1', port: 0 });
    try {
      const scrape = await fetch(served.url);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await scrape.text();
      expect(text).toContain('signins_total{method="password",outcome="success"} 1');
      expect(text).toContain('# TYPE http_request_duration_seconds histogram');
      expect(text).toContain('process_cpu_user_seconds_total');
      const base = served.url.replace(/\/metrics$/, '');
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/metrics/x`)).status).toBe(404);
      expect((await fetch(served.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await served.close();
    }
  });

  it('fails when the port is taken', async () => {
    const first = await serveMetrics({ metrics: createMetrics({ processMetrics: false }), host: '127.0.0.1', port: 0 });
    try {
      await expect(serveMetrics({ metrics: createMetrics({ processMetrics: false }), host: '127.0.0.1', port: first.port }))
        .rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});
