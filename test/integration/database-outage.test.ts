import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, adminToken } from '../support/admin-client.ts';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { startFerretDb } from '../support/ferretdb.ts';
import type { RunningService } from '../support/services.ts';
import { freePort } from '../support/services.ts';

/*
 * The database (a FerretDB of this test's own, on data that survives its restart) goes down under a running
 * instance: readiness says so, the admin API answers a clear 503 and writes nothing half-way, the process
 * stays up, and everything works again once the database is back.
 */

const WORLD = fileURLToPath(new URL('../fixtures/directory-world.yaml', import.meta.url));

let dataDir: string;
let mongoPort: number;
let ferret: RunningService | undefined;
let server: TestServer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bk-ferret-own-'));
  mongoPort = await freePort();
  ferret = await startFerretDb(mongoPort, dataDir);
  server = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap: WORLD, env: { BRIDGEKEEPER_MONGODB__URL: `mongodb://127.0.0.1:${mongoPort}/` } });
});
afterAll(async () => {
  await server?.stop();
  await ferret?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('MongoDB down', () => {
  it('reports not ready, answers 503 without half-written objects, and recovers when it returns', async () => {
    const api = adminApi(server.issuer, await adminToken(server.issuer, 'owner@imgco.test'));
    const before = (await api.get<{ items: unknown[] }>('/groups')).body.items.length;

    await ferret!.stop();
    ferret = undefined;
    const ready = await fetch(`${server.direct}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('store');
    const refused = await api.post<{ code: string; message: string }>('/groups', { name: 'During Outage' });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'service_unavailable' });
    expect(refused.body.message).toContain('temporarily unavailable');
    expect((await fetch(`${server.direct}/healthz`)).status).toBe(200);

    ferret = await startFerretDb(mongoPort, dataDir);
    const deadline = Date.now() + 20_000;
    while ((await fetch(`${server.direct}/readyz`)).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const groups = await api.get<{ items: { name: string }[] }>('/groups');
    expect(groups.status).toBe(200);
    expect(groups.body.items).toHaveLength(before);
    expect((await api.post('/groups', { name: 'After Outage' })).status).toBe(201);
  });
});
