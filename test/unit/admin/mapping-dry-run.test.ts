import { describe, expect, it } from 'vitest';
import { dryRunMapping, readSample } from '../../../src/admin/console/mapping-dry-run.ts';
import { ValidationError } from '../../../src/common/errors.ts';
import { createTestIdp } from '../../fixtures/saml/idp.ts';

const rules = [
  { attribute: 'groups', equals: 'okta-admins', roles: [{ role: 'developer' }] },
  { attribute: 'department', equals: 'finance', match: 'ignore-case', groups: ['Finance'] },
];

describe('mapping rules dry run', () => {
  it('reads an attribute list and applies the rules', () => {
    const sample = readSample('email: erin@acme.test\ngroups: okta-everyone, okta-admins\nDepartment = x\ndepartment: FINANCE');
    expect(sample?.attributes).toEqual({ email: ['erin@acme.test'], groups: ['okta-everyone', 'okta-admins'], Department: ['x'], department: ['FINANCE'] });
    const { identity, access } = dryRunMapping({ rules }, sample!);
    expect(identity.email).toBe('erin@acme.test');
    expect(access.roles).toEqual([{ role: 'developer' }]);
    expect(access.groups).toEqual(['Finance']);
    expect(access.managedRoles).toEqual(['developer']);
  });

  it('reads a signed response, as XML or base64, through the preset attribute names', async () => {
    const idp = createTestIdp();
    const response = await idp.respond({
      sp: { entityId: 'https://sp.test', acsUrl: 'https://sp.test/acs' }, nameId: 'erin@acme.test',
      attributes: { 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['okta-admins'] },
    });
    for (const pasted of [response, Buffer.from(response, 'base64').toString('utf8')]) {
      const sample = readSample(pasted);
      expect(sample?.nameId?.value).toBe('erin@acme.test');
      const { identity, access } = dryRunMapping({ preset: 'entra', rules }, sample!);
      expect(identity.email).toBe('erin@acme.test');
      expect(access.roles).toEqual([{ role: 'developer' }]);
    }
  });

  it('refuses what is neither, and invalid rules by path', () => {
    expect(readSample('')).toBeUndefined();
    expect(readSample('just some words')).toBeUndefined();
    expect(readSample('<html><body/></html>')).toBeUndefined();
    expect(readSample('<!DOCTYPE x><x/>')).toBeUndefined();
    expect(() => dryRunMapping({ rules: [{ attribute: 'groups', equals: 'x' }] }, { attributes: {} })).toThrow(ValidationError);
  });
});
