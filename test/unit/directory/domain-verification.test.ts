import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/common/errors.ts';
import {
  challengeFor, createDomainVerification, DomainNotVerifiedError, DomainTakenError, normalizeDomain, type DomainVerification,
} from '../../../src/directory/domain-verification.ts';
import type { Organization } from '../../../src/directory/model.ts';
import { createDnsTxtResolver } from '../../../src/directory/txt-resolver.ts';
import { startDnsServer, type TestDnsServer } from '../../support/dns-server.ts';
import { createWorld, expectCode, roles, type World } from './world.ts';

/* Verification through node's real resolver against a real DNS server on a loopback port. */
describe('domain verification by DNS TXT record', () => {
  let dns: TestDnsServer;
  let world: World;
  let verification: DomainVerification;
  let acme: Organization;

  const unverified = (domain: string) => ({ domain, verified: false });
  const publish = async (org: Organization, domain: string) => {
    const challenge = await verification.issueToken(org, domain);
    dns.txt(challenge.recordName, challenge.recordValue);
    return challenge;
  };
  const notVerified = async (promise: Promise<unknown>) => {
    const error = await expectCode(promise, 'domain_not_verified', 400);
    expect(error).toBeInstanceOf(DomainNotVerifiedError);
    return error as DomainNotVerifiedError;
  };

  beforeAll(async () => { dns = await startDnsServer(); });
  afterAll(async () => { await dns?.stop(); });
  beforeEach(async () => {
    dns.clear();
    world = await createWorld();
    verification = createDomainVerification({
      stores: world.stores, now: world.now,
      resolver: createDnsTxtResolver({ servers: [dns.server], timeoutMs: 200, tries: 1 }),
    });
    acme = await world.org({ domains: [unverified('acme.test'), unverified('acme-labs.test')] });
  });

  it('issues a random token once per domain and publishes where the record goes', async () => {
    const first = await verification.issueToken(acme, 'acme.test');
    expect(first).toEqual({ domain: 'acme.test', recordName: '_bridgekeeper.acme.test', recordValue: expect.stringMatching(/^bridgekeeper-verification=[\w-]{32}$/) });
    expect(await verification.issueToken(acme, 'ACME.test.')).toEqual(first);
    const other = await verification.issueToken(acme, 'acme-labs.test');
    expect(other.recordValue).not.toBe(first.recordValue);
    const stored = await world.stores.organizations.get(acme.id);
    expect(stored.domains.find((d) => d.domain === 'acme.test')).toEqual({ domain: 'acme.test', verified: false, verificationToken: first.recordValue.split('=')[1] });
  });

  it('gives concurrent issuers the same token (update function on the fresh state)', async () => {
    const challenges = await Promise.all(Array.from({ length: 5 }, () => verification.issueToken(acme, 'acme.test')));
    expect(new Set(challenges.map((c) => c.recordValue)).size).toBe(1);
  });

  it('refuses a token for a domain the organisation does not list, or has verified', async () => {
    await expectCode(verification.issueToken(acme, 'globex.test'), 'not_found', 404);
    await publish(acme, 'acme.test');
    await verification.verify(undefined, acme.id, 'acme.test');
    await expectCode(verification.issueToken(acme, 'acme.test'), 'domain_already_verified', 409);
  });

  it('verifies the domain when the TXT record holds the token, and routes it to the organisation', async () => {
    await publish(acme, 'acme.test');
    world.advance(60_000);
    const verified = await verification.verify(undefined, acme.id, 'acme.test');
    expect(verified).toMatchObject({ domain: 'acme.test', verified: true, verifiedAt: world.now().toISOString() });
    expect(dns.queries).toContainEqual({ name: '_bridgekeeper.acme.test', type: 16 });
    expect((await world.stores.organizations.findByVerifiedDomain('acme.test'))?.id).toBe(acme.id);
    const stored = await world.stores.organizations.get(acme.id);
    expect(stored.domains.find((d) => d.domain === 'acme-labs.test')).toEqual(unverified('acme-labs.test'));
    const [event] = (await world.stores.audit.list({ where: { action: 'organization.domain_verified' } })).items;
    expect(event).toMatchObject({ orgId: acme.id, actor: 'system', outcome: 'success', details: { domain: 'acme.test' } });
  });

  it('finds the token among other TXT records and in a record split into several strings', async () => {
    const { recordName, recordValue } = await verification.issueToken(acme, 'acme.test');
    dns.txt(recordName, 'v=spf1 -all', [recordValue.slice(0, 20), recordValue.slice(20)]);
    await expect(verification.verify(undefined, acme.id, 'acme.test')).resolves.toMatchObject({ verified: true });
  });

  it('is a no-op for a domain verified already', async () => {
    await publish(acme, 'acme.test');
    const first = await verification.verify(undefined, acme.id, 'acme.test');
    dns.clear();
    world.advance(1000);
    await expect(verification.verify(undefined, acme.id, 'acme.test')).resolves.toEqual(first);
    expect(dns.queries).toHaveLength(0);
  });

  it('says what it looked up and what it found when the record does not hold the token', async () => {
    const { recordName, recordValue } = await verification.issueToken(acme, 'acme.test');
    dns.txt(recordName, 'bridgekeeper-verification=someone-elses-token');
    const error = await notVerified(verification.verify(undefined, acme.id, 'acme.test'));
    expect(error).toMatchObject({ reason: 'record_missing', recordName, expectedValue: recordValue, found: ['bridgekeeper-verification=someone-elses-token'] });
    expect(error.message).toContain(recordName);
    expect((await world.stores.organizations.get(acme.id)).domains[0]).toMatchObject({ verified: false });
    const [event] = (await world.stores.audit.list({ where: { action: 'organization.domain_verified' } })).items;
    expect(event).toMatchObject({ outcome: 'failure', details: { domain: 'acme.test', reason: 'record_missing' } });
  });

  it.each<[string, (name: string, value: string) => void]>([
    ['the name does not exist (NXDOMAIN)', () => undefined],
    ['the name exists without TXT records', (name) => dns.exists(name)],
    ['the record is at the apex instead of _bridgekeeper', (_name, value) => dns.txt('acme.test', value)],
    ['the token is in another case', (name, value) => dns.txt(name, value.toUpperCase())],
    ['the token is published without the prefix', (name, value) => dns.txt(name, value.split('=')[1]!)],
  ])('refuses when %s', async (_case, arrange) => {
    const { recordName, recordValue } = await verification.issueToken(acme, 'acme.test');
    arrange(recordName, recordValue);
    expect((await notVerified(verification.verify(undefined, acme.id, 'acme.test'))).reason).toBe('record_missing');
  });

  it('reports a DNS server that does not answer as a failed lookup, within the configured timeout', async () => {
    const { recordName } = await verification.issueToken(acme, 'acme.test');
    dns.silence(recordName);
    const began = performance.now();
    const error = await notVerified(verification.verify(undefined, acme.id, 'acme.test'));
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(error.reason).toBe('lookup_failed');
    expect(error.message).toContain('ETIMEOUT');
  });

  it('refuses to verify before a token was issued', async () => {
    expect((await notVerified(verification.verify(undefined, acme.id, 'acme.test'))).reason).toBe('no_token');
    expect(dns.queries).toHaveLength(0);
  });

  it('refuses a domain another organisation has verified', async () => {
    const globex = await world.org({ domains: [unverified('acme.test')] });
    await publish(acme, 'acme.test');
    await verification.verify(undefined, acme.id, 'acme.test');
    await publish(globex, 'acme.test');
    const error = await expectCode(verification.verify(undefined, globex.id, 'acme.test'), 'conflict', 409);
    expect(error).toBeInstanceOf(DomainTakenError);
    expect(error).toBeInstanceOf(ConflictError);
    expect((await world.stores.organizations.findByVerifiedDomain('acme.test'))?.id).toBe(acme.id);
  });

  it('lets exactly one of two organisations win a race for the same domain', async () => {
    const globex = await world.org({ domains: [unverified('acme.test')] });
    await publish(acme, 'acme.test');
    await publish(globex, 'acme.test');
    const results = await Promise.allSettled([acme, globex].map((org) => verification.verify(undefined, org.id, 'acme.test')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [lost] = results.filter((r) => r.status === 'rejected');
    expect(lost!.reason).toBeInstanceOf(DomainTakenError);
    const winner = await world.stores.organizations.findByVerifiedDomain('acme.test');
    expect([acme.id, globex.id]).toContain(winner?.id);
  });

  describe('with an actor', () => {
    it('needs security:manage in the organisation, and hides other organisations', async () => {
      await publish(acme, 'acme.test');
      const { actor: developer } = await world.actor(acme, roles('developer'));
      await expectCode(verification.verify(developer, acme.id, 'acme.test'), 'forbidden', 403);
      await expectCode(verification.issueToken(acme, 'acme.test', developer), 'forbidden', 403);
      const globex = await world.org();
      const { actor: outsider } = await world.actor(globex, roles('owner'));
      await expectCode(verification.verify(outsider, acme.id, 'acme.test'), 'not_found', 404);

      const { user, actor: owner } = await world.actor(acme, roles('owner'));
      await expect(verification.verify(owner, acme.id, 'acme.test')).resolves.toMatchObject({ verified: true });
      const events = (await world.stores.audit.list({ where: { action: 'organization.domain_verified', outcome: 'success' } })).items;
      expect(events).toEqual([expect.objectContaining({ actor: `user:${user.id}`, requestId: 'req-1' })]);
    });
  });
});

describe('domain verification helpers', () => {
  it.each([
    ['acme.test', 'acme.test'],
    [' Acme.Test ', 'acme.test'],
    ['acme.test.', 'acme.test'],
  ])('normalizeDomain(%j) = %s', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it('puts the record under _bridgekeeper with the bridgekeeper-verification prefix', () => {
    expect(challengeFor('acme.test', 'tok')).toEqual({ domain: 'acme.test', recordName: '_bridgekeeper.acme.test', recordValue: 'bridgekeeper-verification=tok' });
  });
});
