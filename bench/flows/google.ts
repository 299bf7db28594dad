import type { Inbox } from '../inbox.ts';
import type { Flow } from '../load.ts';
import { CALLBACK } from '../world.ts';
import { expectPage, expectRedirect, timed } from './pages.ts';
import { finishSignIn, startSignIn, type RelyingApp } from './rp.ts';
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
    let result = await browser.open(back, CALLBACK);
    if (deps.inbox) {
      const otpPage = expectPage(result, 'one-time-code');
      const code = await timed(deps.times, 'mail delivery (after the page)', () => deps.inbox!.nextCode(email));
      result = await browser.submit(otpPage, '/otp', { code }, CALLBACK);
    }
    const tokens = await timed(deps.times, 'POST /token (code, ID token checked)', () => finishSignIn(deps.app, started, expectRedirect(result)));
    const claims = tokens.claims();
    const amr = claims?.amr as string[] | undefined;
    if (claims?.email !== email || claims.org !== deps.org || !amr?.includes('fed') || (deps.inbox !== undefined) !== amr.includes('otp')) {
      throw new Error(`unexpected claims ${JSON.stringify(claims)}`);
    }
    return { excludedMs: googleMs };
  };
}
