import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/common/errors.ts';
import { applyMappingRules, parseMappingRules, storedMappingRules } from '../../../src/directory/mapping-rules.ts';

const identity = (groups: string[], attributes: Record<string, string[]> = {}) => ({ groups, attributes });

describe('mapping rules', () => {
  const rules = parseMappingRules([
    { attribute: 'groups', equals: 'idp-editors', groups: ['Editors'] },
    { attribute: 'groups', equals: 'IdP-Admins', roles: ['account-admin'] },
    { attribute: 'department', equals: 'finance', match: 'ignore-case', roles: [{ role: 'accountant' }], groups: ['Finance'] },
    { attribute: 'organization', equals: 'Images EU', groups: ['Editors', 'EU'] },
  ].map((r) => ({ ...r, roles: (r.roles ?? []).map((role) => (typeof role === 'string' ? { role } : role)) })));

  it.each([
    ['nothing matches', identity(['other']), [], []],
    ['an IdP group, exactly', identity(['idp-editors']), ['Editors'], []],
    ['exact by default: another case does not match', identity(['IDP-EDITORS', 'idp-admins']), [], []],
    ['a role from a group', identity(['IdP-Admins']), [], ['account-admin']],
    ['any attribute, ignoring case when asked', identity([], { department: ['Finance'] }), ['Finance'], ['accountant']],
    ['an organisation attribute; groups named twice appear once', identity(['idp-editors'], { organization: ['Images EU'] }), ['Editors', 'EU'], []],
    ['attributes are not groups', identity([], { groups: ['idp-editors'] }), [], []],
  ])('%s', (_name, who, groups, roles) => {
    const access = applyMappingRules(rules, who);
    expect(access.groups).toEqual(groups);
    expect(access.roles.map((b) => b.role)).toEqual(roles);
  });

  it('names every group and role the rules can grant as managed, whatever matched', () => {
    const access = applyMappingRules(rules, identity([]));
    expect(access.managedGroups.sort()).toEqual(['EU', 'Editors', 'Finance']);
    expect(access.managedRoles.sort()).toEqual(['account-admin', 'accountant']);
  });

  it('refuses rules that grant nothing or are malformed, naming the path', () => {
    const error = (() => { try { parseMappingRules([{ attribute: 'groups', equals: 'x' }, { attribute: '', equals: 'y', groups: ['G'] }]); } catch (e) { return e as ValidationError; } })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.details.map((d) => d.path)).toEqual(['mapping.rules[0].groups', 'mapping.rules[1].attribute']);
  });
});

describe('the owner role and mapping rules', () => {
  const ownerRule = { attribute: 'groups', equals: 'pwn', groups: ['Editors'], roles: [{ role: 'owner' }, { role: 'analyst' }] };

  it('refuses a rule that would give the owner role, naming it', () => {
    let refused: unknown;
    try {
      parseMappingRules([ownerRule]);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).details.map((d) => d.path)).toEqual(['mapping.rules[0].roles[0]']);
  });

  it('reads a stored rule without its owner role, and a rule that gave nothing else not at all', () => {
    const rules = storedMappingRules([ownerRule, { attribute: 'groups', equals: 'only-owner', roles: [{ role: 'owner' }] }]);
    expect(rules).toHaveLength(1);
    expect(applyMappingRules(rules, identity(['pwn', 'only-owner']))).toMatchObject({ groups: ['Editors'], roles: [{ role: 'analyst' }], managedRoles: ['analyst'] });
  });

  it('still refuses what else is wrong in a stored rule', () => {
    expect(() => storedMappingRules([{ ...ownerRule, attribute: '' }])).toThrow(ValidationError);
  });
});
