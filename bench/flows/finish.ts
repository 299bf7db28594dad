import type { Page } from '../../test/support/browser.ts';
import type { Inbox } from '../inbox.ts';
import { CALLBACK } from '../world.ts';
import { expectPage, expectRedirect } from './pages.ts';
import { finishSignIn, type RelyingApp, type StartedSignIn } from './rp.ts';
import type { StepTimes, TimedBrowser } from './timed-browser.ts';

/**
 * The end of every sign-in flow: with an inbox, the one-time code page, the code read from the bench's SMTP
 * server and typed in; then the app's code exchange, its ID token checked.
 */
export async function finishWithCode(
  deps: { app: RelyingApp; times: StepTimes; inbox?: Inbox },
  browser: TimedBrowser,
  started: StartedSignIn,
  reached: Page | { redirectedTo: string },
  email: string,
) {
  let result = reached;
  if (deps.inbox) {
    const otpPage = expectPage(result, 'one-time-code');
    const code = await deps.times.time('mail delivery (after the page)', () => deps.inbox!.nextCode(email));
    result = await browser.submit(otpPage, '/otp', { code }, CALLBACK);
  }
  return deps.times.time('POST /token (code, ID token checked)', () => finishSignIn(deps.app, started, expectRedirect(result)));
}
