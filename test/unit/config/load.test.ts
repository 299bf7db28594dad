import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load.ts';

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'bk-config-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  async function file(yaml: string): Promise<string> {
    const path = join(dir, 'config.yaml');
    await writeFile(path, yaml);
    return path;
  }

  function problemsOf(load: () => unknown): readonly string[] {
    try {
      load();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error('configuration was accepted');
  }

  it('loads the embedded defaults with one warning list about them', () => {
    const { config, warnings } = loadConfig({ env: {} });
    expect(config.server.port).toBe(3000);
    expect(config.mongodb.url).toBe('');
    expect(warnings).toEqual(expect.arrayContaining([
      expect.stringContaining('secrets.cookieKeys'),
      expect.stringContaining('mongodb.url'),
      expect.stringContaining('redis.url'),
    ]));
  });

  it('lays a file and then the environment over the defaults', async () => {
    const path = await file('server:\n  port: 4000\n  publicUrl: https://login.example.com\nlog:\n  level: debug\n');
    const { config, sources } = loadConfig({
      file: path,
      env: { BRIDGEKEEPER_SERVER__PORT: '4100', BRIDGEKEEPER_REDIS__URL: 'redis://127.0.0.1:6379', BRIDGEKEEPER_REDIS__KEY_PREFIX: '123' },
    });
    expect(config.server.port).toBe(4100);
    expect(config.server.publicUrl).toBe('https://login.example.com');
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.log.level).toBe('debug');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.redis.keyPrefix).toBe('123'); // digits stay text where the schema wants text
    expect(sources).toHaveLength(3);
  });

  it('takes arrays from the environment as JSON', () => {
    const key = 'k'.repeat(40);
    const { config } = loadConfig({ env: { BRIDGEKEEPER_SECRETS__COOKIE_KEYS: JSON.stringify([key]) } });
    expect(config.secrets.cookieKeys).toEqual([key]);
  });

  it('names every wrong type and unknown key by its dotted path', async () => {
    const path = await file('server:\n  port: "three thousand"\n  prot: 1\nlogging: {}\n');
    const problems = problemsOf(() => loadConfig({ file: path, env: { BRIDGEKEEPER_REDIS__URLL: 'x' } }));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^server\.port: /),
      'server.prot: unknown key',
      'logging: unknown key',
      'redis.urll: unknown key',
    ]));
  });

  it('refuses values out of range and short secrets', async () => {
    const path = await file('server:\n  port: 70000\nsecrets:\n  cookieKeys: [short]\n');
    const problems = problemsOf(() => loadConfig({ file: path, env: {} }));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^server\.port: /),
      expect.stringMatching(/^secrets\.cookieKeys\.0: each cookie key must be at least 32 characters/),
    ]));
  });

  it('refuses unreadable and malformed files', async () => {
    expect(problemsOf(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }))[0]).toMatch(/cannot be read/);
    const path = await file('server: [unclosed\n');
    expect(problemsOf(() => loadConfig({ file: path, env: {} }))[0]).toMatch(/not valid YAML/);
    const list = await file('- a\n- b\n');
    expect(problemsOf(() => loadConfig({ file: list, env: {} }))[0]).toMatch(/must be a mapping/);
  });

  it('refuses development secrets and plain http in production', () => {
    const problems = problemsOf(() => loadConfig({ env: { BRIDGEKEEPER_ENVIRONMENT: 'production' } }));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringContaining('secrets.cookieKeys: development key in use'),
      expect.stringContaining('console.clientSecret: development secret in use'),
      expect.stringContaining('server.publicUrl: not https'),
    ]));
  });

  it('accepts a complete production configuration without warnings', () => {
    const { warnings } = loadConfig({
      env: {
        BRIDGEKEEPER_ENVIRONMENT: 'production',
        BRIDGEKEEPER_SERVER__PUBLIC_URL: 'https://login.example.com',
        BRIDGEKEEPER_MONGODB__URL: 'mongodb://db.internal/',
        BRIDGEKEEPER_REDIS__URL: 'redis://cache.internal',
        BRIDGEKEEPER_SECRETS__COOKIE_KEYS: JSON.stringify(['c'.repeat(43)]),
        BRIDGEKEEPER_SECRETS__KEY_ENCRYPTION_KEY: 'e'.repeat(43),
        BRIDGEKEEPER_BOOTSTRAP__FILE: '',
        BRIDGEKEEPER_MAIL__SMTP__HOST: 'smtp.internal',
        BRIDGEKEEPER_CONSOLE__CLIENT_SECRET: 's'.repeat(43),
      },
    });
    expect(warnings).toEqual([]);
  });
});
