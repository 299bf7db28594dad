import { isPage } from '../../test/support/browser.ts';
import { CALLBACK, PASSWORD } from '../world.ts';
import { expectPage } from './pages.ts';
import { startSignIn, type RelyingApp } from './rp.ts';
import { TimedBrowser, type StepTimes } from './timed-browser.ts';

/*
 * Whether per-address limits stop load from one address: password sign-ins from 127.0.0.1 itself (no
 * X-Forwarded-For), a few at a time, until one is answered 429 or `maxAttempts` were made.
 */
export interface AddressLimitProbe {
  attempts: number;
  succeeded: number;
  refused: number;
  retryAfterSeconds?: number;
}

export async function probeAddressLimit(deps: { app: RelyingApp; times: StepTimes; email: (n: number) => string }, options: { first: number; maxAttempts: number; concurrency: number }): Promise<AddressLimitProbe> {
  const probe: AddressLimitProbe = { attempts: 0, succeeded: 0, refused: 0 };
  let next = options.first;
  async function worker(): Promise<void> {
    while (probe.refused === 0 && probe.attempts < options.maxAttempts) {
      probe.attempts++;
      const email = deps.email(next++);
      const browser = new TimedBrowser(deps.times);
      const started = await startSignIn(deps.app);
      const emailPage = expectPage(await browser.open(started.url.href, CALLBACK), '/email"');
      const passwordPage = expectPage(await browser.submit(emailPage, '/email', { email }, CALLBACK), '/password"');
      const result = await browser.submit(passwordPage, '/password', { password: PASSWORD }, CALLBACK);
      if (isPage(result) && result.status === 429) {
        probe.refused++;
        probe.retryAfterSeconds = Number(result.headers.get('retry-after'));
      } else if (!isPage(result)) {
        probe.succeeded++;
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return probe;
}
