import type { SpUnderTest, TestIdp } from '../../test/fixtures/saml/idp.ts';
import type { Inbox } from '../inbox.ts';
import type { Flow } from '../load.ts';
import { CALLBACK } from '../world.ts';
import { expectRedirect } from './pages.ts';
import { finishWithCode } from './finish.ts';
import { startSignIn, type RelyingApp } from './rp.ts';
import { clientAddress, TimedBrowser, type StepTimes } from './timed-browser.ts';

/*
 * SAML sign-in: the app sends the browser to Bridgekeeper, which (for an SSO-only organisation) sends it on to
 * the IdP with an AuthnRequest; the samlify IdP parses it and signs a response for this request id (it must
 * match InResponseTo, SAML Core 3.2.2, so nothing can be signed ahead); the browser posts it to the ACS and
 * comes back to the app with a code. The IdP's work runs in this process between two requests: it is timed
 * and reported apart (`excludedMs`), and none of it is in the server's CPU figures.
 */
export function samlSignIn(deps: {
  app: RelyingApp; times: StepTimes; idp: TestIdp; sp: SpUnderTest; org: string; email: (n: number) => string; inbox?: Inbox;
}): Flow {
  return async (n) => {
    const browser = new TimedBrowser(deps.times, clientAddress(n));
    const email = deps.email(n);
    const started = await startSignIn(deps.app, { organization: deps.org });
    const atIdp = expectRedirect(await browser.open(started.url.href, deps.idp.ssoUrl));
    const idpStarted = performance.now();
    const request = await deps.idp.receive(atIdp, deps.sp);
    const samlResponse = await deps.idp.respond({
      sp: deps.sp, inResponseTo: request.id, nameId: email,
      attributes: { email, name: `Bench User ${n}`, groups: ['idp-editors', 'idp-other'] },
    });
    const idpMs = performance.now() - idpStarted;
    deps.times.record('IdP: parse request + sign response (driver)', idpMs);
    deps.inbox?.forget(email);
    const form = { SAMLResponse: samlResponse, ...(request.relayState ? { RelayState: request.relayState } : {}) };
    const result = await browser.follow(await browser.request(deps.sp.acsUrl, { form }), CALLBACK);
    const tokens = await finishWithCode(deps, browser, started, result, email);
    const claims = tokens.claims();
    if (claims?.email !== email || !(claims.amr as string[] | undefined)?.includes('fed')) throw new Error(`unexpected claims ${JSON.stringify(claims)}`);
    return { excludedMs: idpMs };
  };
}

/** The connection's SP endpoints, learnt from one AuthnRequest: the ACS URL is in it, the entity ID is its base. */
export async function discoverSp(app: RelyingApp, times: StepTimes, idp: TestIdp, org: string): Promise<SpUnderTest> {
  const browser = new TimedBrowser(times);
  const started = await startSignIn(app, { organization: org });
  const atIdp = expectRedirect(await browser.open(started.url.href, idp.ssoUrl));
  const probe = await idp.receive(atIdp, { entityId: 'unknown', acsUrl: 'unknown' });
  if (!probe.acsUrl?.endsWith('/acs')) throw new Error(`no ACS URL in the AuthnRequest for ${org}`);
  return { entityId: probe.acsUrl.replace(/\/acs$/, ''), acsUrl: probe.acsUrl };
}
