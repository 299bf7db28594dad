import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../../src/common/errors.ts';
import { assertMethodAllowed, LoginMethodNotAllowedError, resolveLoginMethods } from '../../../src/directory/login-policy.ts';
import { LOGIN_METHODS, type LoginMethod } from '../../../src/directory/model.ts';

/** Every subset of the login methods, in catalogue order. */
const SUBSETS: LoginMethod[][] = Array.from({ length: 2 ** LOGIN_METHODS.length }, (_, bits) =>
  LOGIN_METHODS.filter((_m, i) => bits & (1 << i)));

const org = (methods: LoginMethod[], ownerPasswordFallback = false) =>
  ({ loginPolicy: { methods, googleHostedDomains: [], ownerPasswordFallback } });

describe('resolveLoginMethods', () => {
  it.each<[string, LoginMethod[], LoginMethod[] | undefined, boolean, boolean, LoginMethod[]]>([
    // case, organisation allows, membership's own (undefined = no membership), fallback, owner, expected
    ['the policy itself for someone without a membership', ['password', 'google'], undefined, false, false, ['password', 'google']],
    ['the policy itself for a member without restriction', ['google', 'saml'], [], false, false, ['google', 'saml']],
    ['a member restricted to one of the allowed methods', ['password', 'google'], ['google'], false, false, ['google']],
    ['a per-user method the organisation no longer allows is dropped', ['saml'], ['password'], false, false, []],
    ['only the overlap of a partly overlapping restriction', ['password', 'google'], ['google', 'saml'], false, false, ['google']],
    ['SSO enforced: no password for a plain member, even with the fallback on', ['saml'], [], true, false, ['saml']],
    ['SSO enforced: password kept by an owner with the fallback on', ['saml'], [], true, true, ['password', 'saml']],
    ['SSO enforced: no password for an owner with the fallback off', ['saml'], [], false, true, ['saml']],
    ['break-glass outranks the owner\'s own restriction', ['saml'], ['saml'], true, true, ['password', 'saml']],
    ['break-glass without a membership record (owner known from elsewhere)', ['google'], undefined, true, true, ['password', 'google']],
    ['password already allowed: not duplicated by break-glass', ['password', 'saml'], [], true, true, ['password', 'saml']],
    ['the organisation\'s order does not matter', ['saml', 'password', 'google'], [], false, false, ['password', 'google', 'saml']],
    ['duplicates in stored lists are ignored', ['google', 'google'], ['google', 'google'], false, false, ['google']],
  ])('%s', (_case, methods, own, fallback, isOwner, expected) => {
    const membership = own === undefined ? undefined : { loginMethods: own };
    expect(resolveLoginMethods({ org: org(methods, fallback), membership, isOwner })).toEqual(expected);
  });

  describe('over every combination of policy, membership, fallback and ownership', () => {
    const cases = SUBSETS.filter((s) => s.length > 0).flatMap((methods) =>
      [undefined, ...SUBSETS].flatMap((own) =>
        [false, true].flatMap((fallback) => [false, true].map((isOwner) => ({ methods, own, fallback, isOwner })))));

    it(`holds the rules in all ${cases.length} cases`, () => {
      expect(cases).toHaveLength(7 * 9 * 4);
      for (const { methods, own, fallback, isOwner } of cases) {
        const membership = own === undefined ? undefined : { loginMethods: own };
        const resolved = resolveLoginMethods({ org: org(methods, fallback), membership, isOwner });
        const label = JSON.stringify({ methods, own, fallback, isOwner, resolved });
        const breakGlass = fallback && isOwner;
        const narrowed = methods.filter((m) => own === undefined || own.length === 0 || own.includes(m));
        // Exactly the policy narrowed by the membership, plus password for break-glass; nothing else.
        const expected = LOGIN_METHODS.filter((m) => narrowed.includes(m) || (breakGlass && m === 'password'));
        expect(resolved, label).toEqual(expected);
        // Never wider than the policy, except break-glass password.
        for (const m of resolved) expect(methods.includes(m) || (breakGlass && m === 'password'), label).toBe(true);
        // A restricted member never gets a method outside their restriction, except break-glass password.
        if (own && own.length > 0) for (const m of resolved) expect(own.includes(m) || (breakGlass && m === 'password'), label).toBe(true);
        if (breakGlass) expect(resolved, label).toContain('password');
        expect(new Set(resolved).size, label).toBe(resolved.length);
      }
    });
  });
});

describe('assertMethodAllowed', () => {
  it.each(LOGIN_METHODS.flatMap((method) => SUBSETS.map((resolved) => ({ method, resolved }))))(
    '$method with $resolved allowed',
    ({ method, resolved }) => {
      const run = () => assertMethodAllowed(method, resolved, 'Acme Images');
      if (resolved.includes(method)) {
        expect(run).not.toThrow();
        return;
      }
      let error: unknown;
      try { run(); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(LoginMethodNotAllowedError);
      expect(error).toBeInstanceOf(ForbiddenError);
      expect(error).toMatchObject({ status: 403, code: 'login_method_not_allowed', expose: true, method, allowed: resolved, orgName: 'Acme Images' });
    },
  );

  it('says which methods the organisation allows, or that none are left', () => {
    const refusal = (method: LoginMethod, resolved: LoginMethod[]) => {
      try { assertMethodAllowed(method, resolved, 'Acme Images'); } catch (e) { return (e as Error).message; }
      throw new Error('not refused');
    };
    expect(refusal('password', ['google', 'saml'])).toBe('Acme Images does not allow signing in with a password. Sign in with Google or single sign-on.');
    expect(refusal('google', ['password'])).toBe('Acme Images does not allow signing in with Google. Sign in with a password.');
    expect(refusal('saml', [])).toBe('Acme Images does not allow you to sign in. Ask an administrator of Acme Images for access.');
  });

  it('keeps its own copy of the allowed methods', () => {
    const resolved: LoginMethod[] = ['google'];
    const error = new LoginMethodNotAllowedError('password', resolved, 'Acme');
    resolved.push('password');
    expect(error.allowed).toEqual(['google']);
  });
});
