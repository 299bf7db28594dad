import type { Inbox } from '../inbox.ts';
import type { Flow } from '../load.ts';
import { CALLBACK, PASSWORD } from '../world.ts';
import { expectPage, expectRedirect } from './pages.ts';
import { finishWithCode } from './finish.ts';
import { finishSignIn, startSignIn, type RelyingApp } from './rp.ts';
import { clientAddress, TimedBrowser, type StepTimes } from './timed-browser.ts';

/*
 * Password sign-in as a person does it: the app's authorization request, the email page, the password page
 * (argon2id verification), with `inbox` the emailed one-time code, then the code exchange. The ID token's
 * amr must say what happened.
 */
export interface PasswordDeps {
  app: RelyingApp;
  times: StepTimes;
  email: (n: number) => string;
  inbox?: Inbox;
  params?: Record<string, string>;
}

export function passwordSignIn(deps: PasswordDeps): Flow {
  return async (n) => {
    await signInWithPassword(deps, n);
    return {};
  };
}

export async function signInWithPassword(deps: PasswordDeps, n: number) {
  const browser = new TimedBrowser(deps.times, clientAddress(n));
  const email = deps.email(n);
  const started = await startSignIn(deps.app, deps.params);
  const emailPage = expectPage(await browser.open(started.url.href, CALLBACK), '/email"');
  const passwordPage = expectPage(await browser.submit(emailPage, '/email', { email }, CALLBACK), '/password"');
  deps.inbox?.forget(email);
  const result = await browser.submit(passwordPage, '/password', { password: PASSWORD }, CALLBACK);
  const tokens = await finishWithCode(deps, browser, started, result, email);
  const amr = tokens.claims()?.amr as string[] | undefined;
  if (!amr?.includes('pwd') || (deps.inbox !== undefined) !== amr.includes('otp')) throw new Error(`unexpected amr ${JSON.stringify(amr)}`);
  return tokens;
}

/** The baseline's sign-in: its interaction approves at once, so only oidc-provider's own hops remain. */
export function autoApprovedSignIn(deps: { app: RelyingApp; times: StepTimes }): Flow {
  return async () => {
    await signInAutoApproved(deps);
    return {};
  };
}

export async function signInAutoApproved(deps: { app: RelyingApp; times: StepTimes; params?: Record<string, string> }) {
  const browser = new TimedBrowser(deps.times);
  const started = await startSignIn(deps.app, { scope: 'openid email profile', ...deps.params });
  const callback = expectRedirect(await browser.open(started.url.href, CALLBACK));
  return deps.times.time('POST /token (code, ID token checked)', () => finishSignIn(deps.app, started, callback));
}
