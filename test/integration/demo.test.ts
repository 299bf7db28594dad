import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, isPage, type Page } from '../support/browser.ts';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { freePort } from '../support/services.ts';

/* The demo world and the built-in demo app, as a person meets them after `npm start`. */
describe('the demo', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    // config/demo.yaml, with the demo app's redirect URIs moved from port 3000 to this test's port.
    const port = await freePort();
    dir = await mkdtemp(join(tmpdir(), 'bk-demo-'));
    const demo = (await readFile(new URL('../../config/demo.yaml', import.meta.url), 'utf8'))
      .replaceAll('http://localhost:3000', `http://127.0.0.1:${port}`);
    await writeFile(join(dir, 'demo.yaml'), demo);
    server = await startBridgekeeper({ backends: 'embedded', bootstrap: join(dir, 'demo.yaml'), port });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets the demo owner complete a sign-in and shows the ID token claims', async () => {
    const browser = new Browser();
    let page = await browser.open(`${server.issuer}/demo`) as Page;
    expect(page.body).toContain('Sign in with Bridgekeeper');
    let result = await browser.submit(page, '/demo/login');
    page = result as Page;
    result = await browser.submit(page, '/email', { email: 'admin@demo.test' });
    result = await browser.submit(result as Page, '/password', { password: 'bridgekeeper-demo' });
    expect(isPage(result)).toBe(true);
    page = result as Page;
    expect(page.url).toContain('/demo/callback');
    expect(page.status).toBe(200);
    const claims = JSON.parse(/<pre id="claims">([\s\S]*?)<\/pre>/.exec(page.body)![1]!.replaceAll('&quot;', '"')) as Record<string, unknown>;
    expect(claims).toMatchObject({ email: 'admin@demo.test', org: 'demo', roles: ['owner'], amr: ['pwd'] });
    expect(claims.permissions).toEqual(expect.arrayContaining(['users:manage', 'billing:manage', 'api-keys:manage']));
  });

  it('refuses a callback that this browser did not start', async () => {
    const page = await new Browser().request(`${server.issuer}/demo/callback?code=x&state=y`);
    expect(page.status).toBe(400);
    expect(page.body).toContain('was not started here');
  });
});
