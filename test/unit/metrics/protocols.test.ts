import { describe, expect, it } from 'vitest';
import { createRateLimits, TooManyRequestsError } from '../../../src/abuse/index.ts';
import type { Connector, ExternalIdentity } from '../../../src/federation/connector.ts';
import { SamlValidationError } from '../../../src/federation/saml/errors.ts';
import type { EmailOtp } from '../../../src/mfa/email-otp.ts';
import { OtpRejectedError } from '../../../src/mfa/errors.ts';
import { createMetrics, instrumentOtp, instrumentRateLimits, instrumentSamlConnector, type Metrics } from '../../../src/metrics/index.ts';
import { createMemoryKv } from '../../../src/store/kv/memory.ts';

async function value(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
}

describe('protocol decorators', () => {
  it('counts rate-limit blocks by policy and lets the refusal through', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const limits = instrumentRateLimits(createRateLimits({ kv: createMemoryKv(), policies: { 'password-per-ip': { points: 1 } } }), metrics);
    await limits.consume('password-per-ip', '192.0.2.1');
    await expect(limits.consume('password-per-ip', '192.0.2.1')).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(await value(metrics, 'rate_limit_blocks_total', { policy: 'password-per-ip' })).toBe(1);
  });

  it('counts a check that refuses as a block too', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const limits = instrumentRateLimits(createRateLimits({ kv: createMemoryKv(), policies: { 'saml-refused-per-ip': { points: 1 } } }), metrics);
    await limits.check('saml-refused-per-ip', '192.0.2.1');
    await limits.consume('saml-refused-per-ip', '192.0.2.1');
    expect(await value(metrics, 'rate_limit_blocks_total', { policy: 'saml-refused-per-ip' })).toBe(0);
    await expect(limits.check('saml-refused-per-ip', '192.0.2.1')).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(await value(metrics, 'rate_limit_blocks_total', { policy: 'saml-refused-per-ip' })).toBe(1);
  });

  it('counts one-time code sends and refusals by code', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const inner: EmailOtp = {
      send: async () => ({ expiresAt: new Date() }),
      verify: async ({ code }) => { if (code !== '123456') throw new OtpRejectedError('otp_invalid'); return 'ok'; },
    };
    const otp = instrumentOtp(inner, metrics);
    await otp.send({ challengeId: 'c', userId: 'u', email: 'a@b.test' });
    expect(await otp.verify({ challengeId: 'c', userId: 'u', code: '123456' })).toBe('ok');
    await expect(otp.verify({ challengeId: 'c', userId: 'u', code: '000000' })).rejects.toBeInstanceOf(OtpRejectedError);
    expect(await value(metrics, 'otp_sends_total')).toBe(1);
    expect(await value(metrics, 'otp_failures_total', { reason: 'otp_invalid' })).toBe(1);
  });

  it('counts refused SAML responses by reason only', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let failure: Error = new SamlValidationError('replayed', 'seen before');
    const inner: Connector<unknown, unknown, { identity: ExternalIdentity }> = {
      startSignIn: async () => ({ redirectUrl: 'https://idp.test/sso' }),
      completeSignIn: async () => { throw failure; },
    };
    const connector = instrumentSamlConnector(inner, metrics);
    await expect(connector.completeSignIn({} as never, {})).rejects.toBe(failure);
    failure = new Error('network');
    await expect(connector.completeSignIn({} as never, {})).rejects.toBe(failure);
    expect(await value(metrics, 'saml_failures_total', { reason: 'replayed' })).toBe(1);
    expect((await metrics.registry.getSingleMetric('saml_failures_total')!.get()).values).toHaveLength(1);
    expect(await connector.startSignIn({} as never, {})).toEqual({ redirectUrl: 'https://idp.test/sso' });
  });
});
