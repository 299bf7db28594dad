import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/http/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK, exchange, PASSWORD, relyingParty, signIn } from '../support/oidc-flow.ts';
import { freePort } from '../support/services.ts';

/* The JSON log of a real sign-in: a request id on every request line, and none of the secrets it handled. */

const WORLD = fileURLToPath(new URL('../fixtures/oidc-world.yaml', import.meta.url));
const lines: Record<string, unknown>[] = [];
let server: RunningServer;
let issuer: string;
let dataDir: string;

beforeAll(async () => {
  const port = await freePort();
  dataDir = await mkdtemp(join(tmpdir(), 'bk-log-'));
  issuer = `http://127.0.0.1:${port}`;
  const { config } = loadConfig({ env: { BRIDGEKEEPER_SERVER__PORT: String(port), BRIDGEKEEPER_SERVER__PUBLIC_URL: issuer, BRIDGEKEEPER_DATA_DIR: dataDir, BRIDGEKEEPER_BOOTSTRAP__FILE: WORLD } });
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line)); done(); } });
  server = await startServer(config, createLogger('info', sink));
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('logs', () => {
  it('carry the request id on every request line and never a password, code, token or cookie', async () => {
    const rp = await relyingParty(issuer, 'rp-first', 'first-party-secret-0123456789abcdef');
    const started = await authorizationUrl(rp);
    const browser = new Browser();
    const callback = await signIn(browser, started, { email: 'ada@acme.test' });
    const tokens = await exchange(rp, started, callback);
    // A failed attempt too: its password must not be logged either.
    const again = await browser.open((await authorizationUrl(rp, { prompt: 'login' })).url.href, CALLBACK) as Page;
    const passwordPage = await browser.submit(again, '/email', { email: 'ada@acme.test' }) as Page;
    await browser.submit(passwordPage, '/password', { password: 'wrong-guess-in-the-log-test' });

    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThan(5);
    for (const line of requests) expect(line.requestId).toEqual(expect.any(String));
    expect(requests.map((l) => l.route)).toContain('/interaction/:uid/password');
    expect(lines.some((l) => l.msg === 'oidc event' && l.event === 'grant.success')).toBe(true);

    const text = JSON.stringify(lines);
    const code = new URL(callback).searchParams.get('code')!;
    for (const secret of [PASSWORD, 'wrong-guess-in-the-log-test', code, tokens.access_token, tokens.id_token!, started.verifier, 'first-party-secret-0123456789abcdef']) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/_session|_interaction/);
  });
});
