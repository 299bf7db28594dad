import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

describe('bridgekeeper CLI', () => {
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bk-cli-'));
    env = { BRIDGEKEEPER_DATA_DIR: dataDir };
  });
  afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });

  it('imports a bootstrap file idempotently', async () => {
    const first = await runCli(['--json', 'bootstrap', 'import', 'test/fixtures/oidc-world.yaml'], env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).created).toMatchObject({ organizations: 2, users: 3, clients: 4 });
    const second = await runCli(['--json', 'bootstrap', 'import', 'test/fixtures/oidc-world.yaml'], env);
    expect(JSON.parse(second.stdout).created).toMatchObject({ organizations: 0, users: 0, clients: 0 });
    expect(JSON.parse(second.stdout).unchanged).toMatchObject({ organizations: 2, users: 3, clients: 4 });
  });

  it('refuses an invalid file, naming each problem by path, and exits 1', async () => {
    const file = join(dataDir, 'bad.yaml');
    await writeFile(file, 'organizations:\n  - slug: Bad Slug\n    name: x\n    colour: red\n');
    const result = await runCli(['bootstrap', 'import', file], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('organizations[0].slug');
    expect(result.stderr).toContain('colour');
  });

  it('checks the configuration', async () => {
    const ok = await runCli(['--json', 'config', 'check'], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).warnings.length).toBeGreaterThan(0);
    const bad = await runCli(['config', 'check'], { ...env, BRIDGEKEEPER_SERVER__PORT: 'x' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('server.port');
  });
});
