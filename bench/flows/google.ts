import type { Inbox } from '../inbox.ts';
import type { Flow } from '../load.ts';
import { CALLBACK } from '../world.ts';
import { expectRedirect } from './pages.ts';
import { finishWithCode } from './finish.ts';
import { startSignIn, type RelyingApp } from './rp.ts';
import { clientAddress, TimedBrowser, type StepTimes } from './timed-browser.ts';

/*
 * Google sign-in through the stand-in (oidc-provider playing Google, in this process): the app sends the
 * browser to Bridgekeeper with the organisation and a login_hint, Bridgekeeper sends it on to "Google" with
 * PKCE and the hosted-domain hint, the stand-in approves the hinted account at once and sends the browser back
 * to /google/callback, where Bridgekeeper redeems the code at the stand-in's token endpoint and checks its
 * RS256 ID token. The browser's hops at the stand-in are timed apart (`excludedMs`); its CPU is the driver's.
 */
export function googleSignIn(deps: {
  app: RelyingApp; times: StepTimes; google: { issuer: string }; bridgekeeperUrl: string; org: string; email: (n: number) => string; inbox?: Inbox;
}): Flow {
  const upstream = { [deps.google.issuer]: 'Google stand-in' };
  return async (n) => {
    const browser = new TimedBrowser(deps.times, clientAddress(n), upstream);
    const email = deps.email(n);
    const started = await startSignIn(deps.app, { organization: deps.org, login_hint: email });
    const atGoogle = expectRedirect(await browser.open(started.url.href, `${deps.google.issuer}/auth`));
    const googleStarted = performance.now();
    const back = expectRedirect(await browser.open(atGoogle, `${deps.bridgekeeperUrl}/google/callback`));
    const googleMs = performance.now() - googleStarted;
    deps.inbox?.forget(email);
    const result = await browser.open(back, CALLBACK);
    const tokens = await finishWithCode(deps, browser, started, result, email);
    const claims = tokens.claims();
    const amr = claims?.amr as string[] | undefined;
    if (claims?.email !== email || claims.org !== deps.org || !amr?.includes('fed') || (deps.inbox !== undefined) !== amr.includes('otp')) {
      throw new Error(`unexpected claims ${JSON.stringify(claims)}`);
    }
    return { excludedMs: googleMs };
  };
}
