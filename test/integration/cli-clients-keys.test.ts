import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSecretMatches } from '../../src/oidc/clients.ts';
import { createEmbeddedBackend } from '../../src/store/embedded/backend.ts';
import { createStores } from '../../src/store/stores.ts';
import { runCli } from '../support/cli.ts';

interface Registered { outcome: string; clientSecret?: string; client: { tokenEndpointAuthMethod: string; firstParty: boolean } }
interface KeyView { kid: string; alg: string; status: string; created?: boolean }

describe('CLI: clients and signing keys (embedded store)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  const cli = (args: string[]) => runCli(args, env);
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bk-cli-keys-'));
    env = { BRIDGEKEEPER_DATA_DIR: dataDir };
  });
  afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });

  async function storedClient(id: string) {
    const stores = await createStores(createEmbeddedBackend({ dataDir }));
    try {
      return await stores.clients.get(id);
    } finally {
      await stores.close();
    }
  }

  const dashboard = ['client', 'register', '--id', 'dashboard', '--name', 'Dashboard', '--redirect-uri', 'https://app.example.test/cb'];

  it('registers a confidential client with a secret printed once and stored as a digest', async () => {
    const first = await cli(['--json', ...dashboard]);
    expect(first.code).toBe(0);
    const registered = first.json<Registered>();
    expect(registered).toMatchObject({ outcome: 'created', client: { tokenEndpointAuthMethod: 'client_secret_basic', firstParty: false } });
    const secret = registered.clientSecret!;
    expect(secret.length).toBeGreaterThanOrEqual(43);
    const stored = await storedClient('dashboard');
    expect(stored.clientSecretHash).not.toContain(secret);
    expect(clientSecretMatches(stored.clientSecretHash!, secret)).toBe(true);

    const again = await cli(['--json', ...dashboard]);
    expect(again.code).toBe(0);
    expect(again.json<Registered>()).toEqual(expect.objectContaining({ outcome: 'unchanged' }));
    expect(again.stdout).not.toContain('clientSecret');
    expect((await storedClient('dashboard')).version).toBe(stored.version);
  });

  it('updates a re-registered client, keeping its secret unless asked to rotate it', async () => {
    const before = await storedClient('dashboard');
    const updated = await cli(['--json', ...dashboard, '--first-party', '--redirect-uri', 'https://app.example.test/cb2']);
    expect(updated.json<Registered>()).toMatchObject({ outcome: 'updated', client: { firstParty: true } });
    expect(updated.json<Registered>().clientSecret).toBeUndefined();
    expect((await storedClient('dashboard')).clientSecretHash).toBe(before.clientSecretHash);

    const rotated = await cli(['--json', ...dashboard, '--rotate-secret']);
    const secret = rotated.json<Registered>().clientSecret!;
    expect(clientSecretMatches((await storedClient('dashboard')).clientSecretHash!, secret)).toBe(true);
  });

  it('registers public clients without a secret, and refuses bad input by option', async () => {
    const spa = await cli(['--json', 'client', 'register', '--id', 'spa', '--name', 'SPA', '--redirect-uri', 'http://localhost:5173/cb', '--public']);
    expect(spa.code).toBe(0);
    expect(spa.json<Registered>()).toMatchObject({ outcome: 'created', client: { tokenEndpointAuthMethod: 'none' } });
    expect(spa.json<Registered>().clientSecret).toBeUndefined();
    expect((await storedClient('spa')).clientSecretHash).toBeNull();

    const bad = await cli(['client', 'register', '--id', 'has space', '--name', 'X', '--redirect-uri', 'https://x.test/cb#frag']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--id:');
    expect(bad.stderr).toContain('--redirect-uri https://x.test/cb#frag:');
    const unknownOrg = await cli(['client', 'register', '--id', 'x', '--name', 'X', '--redirect-uri', 'https://x.test/cb', '--org', 'nowhere']);
    expect(unknownOrg.code).toBe(1);
    expect(unknownOrg.stderr).toContain('--org nowhere: unknown organization "nowhere"');
    expect((await cli(['client', 'register', '--id', 'x', '--name', 'X'])).code).toBe(2);
  });

  it('rotates signing keys in steps: publish (idempotent), promote once published long enough', async () => {
    const rotated = await cli(['--json', 'keys', 'rotate']);
    expect(rotated.code).toBe(0);
    const published = rotated.json<{ keys: KeyView[] }>().keys;
    expect(published.map((k) => [k.alg, k.status, k.created])).toEqual([['ES256', 'next', true], ['RS256', 'next', true]]);

    const again = await cli(['--json', 'keys', 'rotate', '--alg', 'ES256']);
    expect(again.json<{ keys: KeyView[] }>().keys).toEqual([expect.objectContaining({ kid: published[0]!.kid, created: false })]);

    const early = await cli(['keys', 'promote']);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('wait for every instance to reload');

    const promoted = await cli(['--json', 'keys', 'promote', '--min-published-seconds', '0']);
    expect(promoted.code).toBe(0);
    expect(promoted.json<{ keys: KeyView[] }>().keys.map((k) => k.kid).sort()).toEqual(published.map((k) => k.kid).sort());
    const listed = (await cli(['--json', 'keys', 'list'])).json<{ keys: KeyView[] }>().keys;
    expect(listed.filter((k) => k.status === 'active').map((k) => k.kid).sort()).toEqual(published.map((k) => k.kid).sort());
    expect(JSON.stringify(listed)).not.toMatch(/"d"|encrypted/);

    const nothing = await cli(['--json', 'keys', 'promote']);
    expect(nothing.code).toBe(1);
    expect(JSON.parse(nothing.stderr).error.code).toBe('no_next_signing_key');
    expect((await cli(['keys', 'rotate', '--alg', 'HS256'])).code).toBe(2);
    // Nothing was retired: the first keys of an empty store had no predecessor.
    expect((await cli(['--json', 'keys', 'prune'])).json()).toEqual({ pruned: [] });
  });
});
