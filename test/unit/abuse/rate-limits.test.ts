import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_POLICIES, resolveRatePolicies, type RatePolicyOverrides } from '../../../src/abuse/policies.ts';
import { createRateLimits } from '../../../src/abuse/rate-limits.ts';
import { UnavailableError } from '../../../src/common/errors.ts';
import type { KvStore } from '../../../src/common/kv.ts';
import { TooManyRequestsError } from '../../../src/common/too-many-requests.ts';
import { createMemoryKv } from '../../../src/store/kv/memory.ts';
import { kvBackends, useKvBackend } from '../../support/kv-backends.ts';

async function limited(promise: Promise<unknown>): Promise<TooManyRequestsError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(TooManyRequestsError);
  return error as TooManyRequestsError;
}

const email = () => `user-${randomUUID()}@customer.example`;
const organization = () => `org-${randomUUID()}`;

describe.each(kvBackends)('rate limits on $name', (backend) => {
  const space = useKvBackend(backend);
  const limits = (policies?: RatePolicyOverrides) => createRateLimits({ kv: space().kv, policies });

  it('allows the policy points in a window, then answers 429 with the seconds left', async () => {
    const rateLimits = limits();
    const subject = email();
    for (let attempt = 1; attempt <= 10; attempt++) {
      await expect(rateLimits.consume('password-per-account', subject)).resolves.toEqual({ remaining: 10 - attempt });
    }
    const error = await limited(rateLimits.consume('password-per-account', subject));
    expect(error).toMatchObject({ status: 429, code: 'too_many_requests', expose: true });
    expect(Number.isInteger(error.retryAfterSeconds)).toBe(true);
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
  });

  it('counts each subject and each policy on its own', async () => {
    const rateLimits = limits({ 'invitation-per-organization': { points: 2 }, 'forgot-password-per-email': { points: 2 } });
    const [first, second] = [organization(), organization()];
    await rateLimits.consume('invitation-per-organization', first);
    await rateLimits.consume('invitation-per-organization', first);
    await limited(rateLimits.consume('invitation-per-organization', first));
    await expect(rateLimits.consume('invitation-per-organization', second)).resolves.toEqual({ remaining: 1 });

    const subject = email();
    await rateLimits.consume('forgot-password-per-email', subject);
    await rateLimits.consume('forgot-password-per-email', subject);
    await limited(rateLimits.consume('forgot-password-per-email', subject));
    await expect(rateLimits.consume('password-per-account', subject)).resolves.toEqual({ remaining: 9 });
  });

  it('counts spellings of one email together', async () => {
    const rateLimits = limits({ 'forgot-password-per-email': { points: 2 } });
    const subject = email();
    await rateLimits.consume('forgot-password-per-email', subject);
    await rateLimits.consume('forgot-password-per-email', ` ${subject.toUpperCase()}`);
    await limited(rateLimits.consume('forgot-password-per-email', subject.replace('user', 'USER')));
  });

  it('counts an IPv6 /64 as one client and IPv4-mapped addresses as their IPv4 address', async () => {
    const rateLimits = limits({ 'password-per-ip': { points: 2 } });
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    await rateLimits.consume('password-per-ip', `${prefix}::1`);
    await rateLimits.consume('password-per-ip', `${prefix}:aaaa:bbbb:cccc:dddd`);
    await limited(rateLimits.consume('password-per-ip', `${prefix}:ffff::9`));
    await expect(rateLimits.consume('password-per-ip', `${prefix.slice(0, -1)}2::1`)).resolves.toEqual({ remaining: 1 });

    const v4 = `198.51.100.${Math.floor(Math.random() * 254) + 1}`;
    await rateLimits.consume('password-per-ip', v4);
    await rateLimits.consume('password-per-ip', `::ffff:${v4}`);
    await limited(rateLimits.consume('password-per-ip', v4));
  });

  it('shares counters between two instances of the app', async () => {
    const policies = { 'password-per-ip': { points: 4 } };
    const one = createRateLimits({ kv: space().kv, policies });
    const other = createRateLimits({ kv: space().connect(), policies });
    const ip = `203.0.113.${Math.floor(Math.random() * 254) + 1}`;
    await one.consume('password-per-ip', ip);
    await other.consume('password-per-ip', ip);
    await Promise.all([one.consume('password-per-ip', ip), other.consume('password-per-ip', ip)]);
    await limited(one.consume('password-per-ip', ip));
    await limited(other.consume('password-per-ip', ip));
  });

  it('lets exactly the policy points through when requests arrive at once', async () => {
    const rateLimits = limits({ 'otp-check-per-account': { points: 5 } });
    const subject = `user-${randomUUID()}`;
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => rateLimits.consume('otp-check-per-account', subject)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(5);
    for (const result of results.filter((outcome) => outcome.status === 'rejected')) expect(result.reason).toBeInstanceOf(TooManyRequestsError);
  });

  it('starts a new window when the old one ends', async () => {
    const rateLimits = limits({ 'forgot-password-per-ip': { points: 1, durationSeconds: 0.3 } });
    const ip = `192.0.2.${Math.floor(Math.random() * 254) + 1}`;
    await rateLimits.consume('forgot-password-per-ip', ip);
    const error = await limited(rateLimits.consume('forgot-password-per-ip', ip));
    expect(error.retryAfterSeconds).toBe(1);
    await sleep(450);
    await expect(rateLimits.consume('forgot-password-per-ip', ip)).resolves.toEqual({ remaining: 0 });
  });

  it('checks without taking a point, and refuses once the points are all taken', async () => {
    const rateLimits = limits({ 'saml-refused-per-ip': { points: 2 } });
    const ip = `198.51.100.${Math.floor(Math.random() * 254) + 1}`;
    for (let i = 0; i < 3; i++) await rateLimits.check('saml-refused-per-ip', ip);
    await expect(rateLimits.consume('saml-refused-per-ip', ip)).resolves.toEqual({ remaining: 1 });
    await rateLimits.check('saml-refused-per-ip', ip);
    await expect(rateLimits.consume('saml-refused-per-ip', ip)).resolves.toEqual({ remaining: 0 });
    const error = await limited(rateLimits.check('saml-refused-per-ip', ip));
    expect(error.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    await limited(rateLimits.check('saml-refused-per-ip', ip));
    await rateLimits.check('saml-refused-per-ip', '203.0.113.9');
  });

  it('forgets a subject on reset', async () => {
    const rateLimits = limits({ 'password-per-account': { points: 1 } });
    const subject = email();
    await rateLimits.consume('password-per-account', subject);
    await limited(rateLimits.consume('password-per-account', subject));
    await rateLimits.reset('password-per-account', subject);
    await expect(rateLimits.consume('password-per-account', subject)).resolves.toEqual({ remaining: 0 });
  });
});

describe('rate limits when the KV store fails', () => {
  it('propagate the store error, neither allowing nor limiting', async () => {
    const memory = createMemoryKv();
    const down = async (): Promise<never> => { throw new UnavailableError('Redis'); };
    const failing: KvStore = { ...memory, increment: down, incrementWithTtl: down, get: down, set: down };
    const rateLimits = createRateLimits({ kv: failing });
    await expect(rateLimits.consume('password-per-ip', '192.0.2.1')).rejects.toBeInstanceOf(UnavailableError);
    await memory.close();
  });
});

describe('rate policies', () => {
  it('default to the documented table', () => {
    expect(resolveRatePolicies()).toEqual(DEFAULT_RATE_POLICIES);
  });

  it('take overrides of points and duration', () => {
    expect(resolveRatePolicies({ 'password-per-ip': { points: 5 } })['password-per-ip']).toEqual({ points: 5, durationSeconds: 900, subject: 'ip' });
  });

  it.each([
    [{ 'password-per-ip': { points: 0 } }, /password-per-ip: points/],
    [{ 'password-per-ip': { points: 1.5 } }, /password-per-ip: points/],
    [{ 'invitation-per-organization': { durationSeconds: 0 } }, /invitation-per-organization: durationSeconds/],
    [{ 'invitation-per-organization': { durationSeconds: Number.POSITIVE_INFINITY } }, /durationSeconds/],
  ])('refuse %j', (overrides, message) => {
    expect(() => resolveRatePolicies(overrides)).toThrow(message);
  });
});
