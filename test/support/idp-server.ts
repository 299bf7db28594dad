import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestIdp } from '../fixtures/saml/idp.ts';

/*
 * The samlify test IdP behind a real HTTP endpoint, for browser tests: it receives the AuthnRequest by
 * redirect, answers with a signed response for the person `who()` names, and returns the usual
 * auto-submitting form to the ACS (HTTP-POST binding, SAML Bindings 3.5). The page is the IdP's, not ours:
 * its inline script is what IdPs do, with a button for browsers without script. Bridgekeeper is reached at
 * 127.0.0.1 and the IdP at `localhost` (IDP_HOST, which the test browser resolves to 127.0.0.1 too): two sites,
 * as in production, so the IdP form's POST to the ACS is cross-site and carries no SameSite=Lax cookie.
 * (An IdP's http URL is accepted for localhost only.)
 */
export const IDP_HOST = 'localhost';

export interface IdpServer {
  ssoUrl: string;
  /** The IdP's metadata, pointing at this server's SSO endpoint. */
  metadataXml(): string;
  stop(): Promise<void>;
}

export interface IdpPerson {
  nameId: string;
  attributes: Record<string, string | string[]>;
}

export async function startIdpServer(idp: TestIdp, who: () => IdpPerson): Promise<IdpServer> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/sso') {
      response.writeHead(404).end();
      return;
    }
    void (async () => {
      const received = await idp.receive(url.href, { entityId: 'unknown', acsUrl: 'unknown' });
      const acsUrl = received.acsUrl!;
      const person = who();
      const samlResponse = await idp.respond({
        sp: { entityId: acsUrl.replace(/\/acs$/, ''), acsUrl }, inResponseTo: received.id, nameId: person.nameId, attributes: person.attributes,
      });
      const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html lang="en"><head><title>Test IdP</title></head><body>
<form method="post" action="${escape(acsUrl)}" id="saml">
<input type="hidden" name="SAMLResponse" value="${escape(samlResponse)}">
${received.relayState ? `<input type="hidden" name="RelayState" value="${escape(received.relayState)}">` : ''}
<noscript><button type="submit">Continue</button></noscript>
</form>
<script>document.getElementById('saml').submit();</script>
</body></html>`);
    })().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const ssoUrl = `http://${IDP_HOST}:${(server.address() as AddressInfo).port}/sso`;
  return {
    ssoUrl,
    metadataXml: () => idp.metadataXml().replaceAll(idp.ssoUrl, ssoUrl),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
