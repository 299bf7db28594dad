import { describe, expect, it } from 'vitest';
import { GoogleSignInError } from '../../../../src/federation/google/errors.ts';
import { checkGoogleIdentity, hostedDomainHint } from '../../../../src/federation/google/hosted-domain.ts';

const outcome = (hostedDomain: string | undefined, googleHostedDomains: string[]) => {
  try {
    checkGoogleIdentity({ email: 'ada@acme.test', ...(hostedDomain === undefined ? {} : { hostedDomain }) }, { googleHostedDomains });
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(GoogleSignInError);
    return (error as GoogleSignInError).code;
  }
};

describe('checkGoogleIdentity', () => {
  it.each<[string, string | undefined, string[], string]>([
    ['any account when no domains are listed', undefined, [], 'accepted'],
    ['a Workspace account when no domains are listed', 'globex.test', [], 'accepted'],
    ['the listed domain', 'acme.test', ['acme.test'], 'accepted'],
    ['one of several listed domains', 'acme-labs.test', ['acme.test', 'acme-labs.test'], 'accepted'],
    ['the listed domain in another case', 'ACME.test', ['acme.test'], 'accepted'],
    ['a listed domain written in another case', 'acme.test', ['Acme.Test'], 'accepted'],
    ['a consumer account (no hd) whose email is at the domain', undefined, ['acme.test'], 'google_hosted_domain_mismatch'],
    ['another Workspace domain', 'globex.test', ['acme.test'], 'google_hosted_domain_mismatch'],
    ['a subdomain of the listed domain', 'eu.acme.test', ['acme.test'], 'google_hosted_domain_mismatch'],
    ['a parent of the listed domain', 'acme.test', ['eu.acme.test'], 'google_hosted_domain_mismatch'],
    ['a domain that merely ends like the listed one', 'evilacme.test', ['acme.test'], 'google_hosted_domain_mismatch'],
    ['an empty hd', '', ['acme.test'], 'google_hosted_domain_mismatch'],
  ])('%s', (_case, hd, domains, expected) => {
    expect(outcome(hd, domains)).toBe(expected);
  });

  it('tells the admin what was refused and why, and the person only that the account is not accepted', () => {
    const consumer = (() => { try { checkGoogleIdentity({ email: 'ada@acme.test' }, { googleHostedDomains: ['acme.test'] }); } catch (e) { return e as GoogleSignInError; } })()!;
    expect(consumer.reason).toContain('no hd claim');
    expect(consumer.reason).toContain('ada@acme.test');
    expect(consumer).toMatchObject({ status: 403, expose: true });
    expect(consumer.message).not.toContain('acme.test');
    const other = (() => { try { checkGoogleIdentity({ email: 'eve@globex.test', hostedDomain: 'globex.test' }, { googleHostedDomains: ['acme.test'] }); } catch (e) { return e as GoogleSignInError; } })()!;
    expect(other.reason).toContain('globex.test');
  });
});

describe('hostedDomainHint', () => {
  it.each<[string[], string | undefined]>([
    [[], undefined],
    [['acme.test'], 'acme.test'],
    [['Acme.Test'], 'acme.test'],
    [['acme.test', 'acme-labs.test'], '*'],
  ])('%j -> %s', (domains, expected) => {
    expect(hostedDomainHint({ googleHostedDomains: domains })).toBe(expected);
  });
});
