import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runToExit, startProcess } from '../support/process.ts';

describe('the server process', () => {
  let dataDir: string;
  beforeAll(async () => { dataDir = await mkdtemp(join(tmpdir(), 'bk-server-')); });
  afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });

  it('starts on embedded defaults, is live and ready, warns once about unsafe defaults, stops on SIGTERM', async () => {
    const server = await startProcess({ BRIDGEKEEPER_DATA_DIR: dataDir });
    try {
      const live = await fetch(`${server.url}/healthz`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', kv: 'ok' } });
      expect(ready.headers.get('x-request-id')).toBeTruthy();
      expect(server.output().match(/UNSAFE FOR PRODUCTION/g)).toHaveLength(1);
      expect(server.output()).toContain('"store":"embedded');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('keeps what it wrote through the stores across a restart (same signing keys, same demo world)', async () => {
    const first = await startProcess({ BRIDGEKEEPER_DATA_DIR: dataDir });
    const jwksBefore = await (await fetch(`${first.url}/jwks`)).json();
    expect(await first.stop()).toBe(0);
    const second = await startProcess({ BRIDGEKEEPER_DATA_DIR: dataDir });
    try {
      expect(await (await fetch(`${second.url}/jwks`)).json()).toEqual(jwksBefore);
      expect(second.output()).toMatch(/"unchanged":\{[^}]*"organizations":1/);
    } finally {
      await second.stop();
    }
  });

  it('answers unknown paths with a JSON 404 and no internals', async () => {
    const server = await startProcess({ BRIDGEKEEPER_DATA_DIR: dataDir });
    try {
      const response = await fetch(`${server.url}/nope`);
      expect(response.status).toBe(404);
      const body = await response.json() as Record<string, unknown>;
      expect(body).toMatchObject({ code: 'not_found' });
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts/);
    } finally {
      await server.stop('SIGINT');
    }
  });

  it('runs on Redis and the MongoDB-protocol server when configured', async () => {
    const server = await startProcess({
      BRIDGEKEEPER_DATA_DIR: dataDir,
      BRIDGEKEEPER_REDIS__URL: inject('redisUrl'),
      BRIDGEKEEPER_MONGODB__URL: inject('mongoUrl'),
      BRIDGEKEEPER_MONGODB__DATABASE: `bk_server_${Date.now()}`,
    });
    try {
      const ready = await fetch(`${server.url}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', kv: 'ok' } });
      expect(server.output()).toContain('"store":"mongodb"');
      expect(server.output()).toContain('"kv":"redis"');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('refuses to start with a wrong type or an unknown key, naming the dotted path', async () => {
    const file = join(dataDir, 'bad.yaml');
    await writeFile(file, 'server:\n  port: "eighty"\n  colour: blue\n');
    const { code, output } = await runToExit({ BRIDGEKEEPER_DATA_DIR: dataDir }, ['--config', file]);
    expect(code).toBe(1);
    expect(output).toContain('server.port:');
    expect(output).toContain('server.colour: unknown key');
  });

  it('refuses a roles & permissions catalog that does not hold together, naming each problem', async () => {
    const file = join(dataDir, 'catalog.yaml');
    await writeFile(file, [
      'permissions:',
      '  - { id: "docs:read", label: Read, description: Read docs }',
      'roles:',
      '  - { id: reader, label: Reader, description: Reads, permissions: ["docs:write"] }',
      '  - { id: loop, label: Loop, description: Loops, includes: [loop] }',
    ].join('\n'));
    const { code, output } = await runToExit({ BRIDGEKEEPER_DATA_DIR: dataDir, BRIDGEKEEPER_CATALOG__FILE: file, BRIDGEKEEPER_BOOTSTRAP__FILE: '' });
    expect(code).toBe(1);
    expect(output).toContain('roles[0].permissions[0]');
    expect(output).toContain('roles[1]');
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses a bad environment variable the same way', async () => {
    const { code, output } = await runToExit({ BRIDGEKEEPER_SERVER__TRUST_PROXY: 'maybe' });
    expect(code).toBe(1);
    expect(output).toContain('server.trustProxy:');
  });
});
