import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRateLimits } from '../../../src/abuse/rate-limits.ts';
import { errorHandler } from '../../../src/http/errors.ts';
import { clientIp, retryAfterOnLimit } from '../../../src/http/rate-limit.ts';
import { createMemoryKv } from '../../../src/store/kv/memory.ts';

/*
 * Over real HTTP: the per-IP limit as a route would apply it, behind the app's own error handler.
 */
const servers: Server[] = [];
const stores: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(async (server) => { server.close(); await once(server, 'close'); }));
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

async function start(options: { proxy: boolean; maxIpsCount?: number }): Promise<string> {
  const kv = createMemoryKv();
  stores.push(kv);
  const rateLimits = createRateLimits({ kv, policies: { 'password-per-ip': { points: 2 } } });
  const app = new Koa({ proxy: options.proxy, maxIpsCount: options.maxIpsCount });
  app.use(errorHandler(pino({ level: 'silent' })));
  app.use(retryAfterOnLimit());
  app.use(async (ctx) => {
    const ip = clientIp(ctx);
    await rateLimits.consume('password-per-ip', ip);
    ctx.body = { ip };
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const get = (url: string, forwardedFor?: string) =>
  fetch(url, { headers: { accept: 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) } });

describe('rate limits over HTTP', () => {
  it('answer 429 with Retry-After and the too_many_requests code once the limit is reached', async () => {
    const url = await start({ proxy: false });
    expect((await get(url)).status).toBe(200);
    expect((await get(url)).status).toBe(200);
    const response = await get(url);
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(await response.json()).toMatchObject({ code: 'too_many_requests' });
  });

  it('ignore X-Forwarded-For unless the app trusts a proxy', async () => {
    const url = await start({ proxy: false });
    const body = (await (await get(url, '198.51.100.7')).json()) as { ip: string };
    expect(body.ip).not.toBe('198.51.100.7');
    await get(url, '198.51.100.8');
    expect((await get(url, '198.51.100.9')).status).toBe(429);
  });

  it('behind one proxy with maxIpsCount 1, count the address the proxy appended, not the one the client wrote', async () => {
    const url = await start({ proxy: true, maxIpsCount: 1 });
    const body = (await (await get(url, '10.9.9.9, 203.0.113.5')).json()) as { ip: string };
    expect(body.ip).toBe('203.0.113.5');
    await get(url, '10.9.9.8, 203.0.113.5');
    expect((await get(url, '10.9.9.7, 203.0.113.5')).status).toBe(429);
    expect((await get(url, '10.9.9.7, 203.0.113.6')).status).toBe(200);
  });
});
