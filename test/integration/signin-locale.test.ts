import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgekeeper, type TestServer } from '../support/bridgekeeper.ts';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationUrl, CALLBACK, relyingParty } from '../support/oidc-flow.ts';

/* The sign-in pages speak the browser's language (Accept-Language), errors included; English otherwise. */

const WORLD = fileURLToPath(new URL('../fixtures/oidc-world.yaml', import.meta.url));
let server: TestServer;
beforeAll(async () => { server = await startBridgekeeper({ backends: 'embedded', bootstrap: WORLD }); });
afterAll(async () => { await server?.stop(); });

function browserSpeaking(language: string): Browser {
  const browser = new Browser();
  browser.route = (url) => ({ url, headers: { 'accept-language': language } });
  return browser;
}

describe('sign-in pages', () => {
  it('are in French for a French browser, the wrong-password error too', async () => {
    const rp = await relyingParty(server.issuer, 'rp-first', 'first-party-secret-0123456789abcdef');
    const browser = browserSpeaking('fr-CA,fr;q=0.9,en;q=0.5');
    const email = await browser.open((await authorizationUrl(rp)).url.href, CALLBACK) as Page;
    expect(email.body).toContain('<html lang="fr">');
    expect(email.body).toContain('Adresse e-mail');
    const password = await browser.submit(email, '/email', { email: 'ada@acme.test' }) as Page;
    const wrong = await browser.submit(password, '/password', { password: 'not the password' }) as Page;
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('L&#39;adresse e-mail ou le mot de passe est incorrect.');
  });

  it('are in English when the browser asks for a language we do not have', async () => {
    const rp = await relyingParty(server.issuer, 'rp-first', 'first-party-secret-0123456789abcdef');
    const email = await browserSpeaking('de-DE,de;q=0.9').open((await authorizationUrl(rp)).url.href, CALLBACK) as Page;
    expect(email.body).toContain('<html lang="en">');
    expect(email.body).toContain('Email address');
  });
});
