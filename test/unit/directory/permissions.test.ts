import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/common/errors.ts';
import { catalogSchema, type Catalog, type CatalogInput } from '../../../src/directory/catalog.ts';
import { defaultCatalog } from '../../../src/directory/default-catalog.ts';
import type { RoleBinding } from '../../../src/directory/model.ts';
import { bindingProblems, canGrant, expandBindings, expandRole, validateCatalog } from '../../../src/directory/permissions.ts';

const ALL = defaultCatalog.permissions.map((p) => p.id).sort();
const IMAGE_DEVELOPER = ['cache:purge', 'sources:edit', 'sources:read'];
const VIDEO_DEVELOPER = ['video-profiles:edit', 'videos:edit', 'videos:read'];
const DEVELOPER = [...IMAGE_DEVELOPER, ...VIDEO_DEVELOPER, 'analytics:read', 'assets:audit', 'assets:browse', 'assets:edit', 'settings:manage'];
const ANALYST = ['analytics:read', 'video-analytics:read'];
const ACCOUNTANT = ['analytics:read', 'billing:manage', 'billing:read', 'invoices:pay', 'invoices:read'];

/** What every role of the default catalog expands to: the documented table in default-catalog.ts. */
const EXPECTED: Record<string, string[]> = {
  'owner': ALL,
  'account-admin': ALL.filter((p) => p !== 'organization:manage'),
  'admin': [...DEVELOPER, ...ANALYST, 'invoices:pay', 'invoices:read'],
  'developer': DEVELOPER,
  'analyst': ANALYST,
  'accountant': ACCOUNTANT,
  'marketer': ['assets:audit', 'assets:browse', 'assets:edit'],
  'media-library-full': ['assets:audit', 'assets:browse', 'assets:edit'],
  'media-library-viewer': ['assets:audit', 'assets:browse'],
  'media-library-restricted': ['assets:browse', 'assets:edit'],
  'image-admin': [...IMAGE_DEVELOPER, 'analytics:read'],
  'image-developer': IMAGE_DEVELOPER,
  'image-analyst': ['analytics:read'],
  'source-viewer': ['analytics:read', 'sources:read'],
  'video-admin': [...VIDEO_DEVELOPER, 'video-analytics:read'],
  'video-developer': VIDEO_DEVELOPER,
  'video-analyst': ['video-analytics:read'],
  'video-collection-viewer': ['video-analytics:read', 'videos:read'],
};

const sorted = (ids: string[]) => [...new Set(ids)].sort();

function catalog(input: CatalogInput): Catalog {
  return validateCatalog(input);
}

function problemsOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).details];
  }
  throw new Error('no ValidationError thrown');
}

describe('default catalog', () => {
  it('is valid and has stable lower-case ids, each with a label and a description', () => {
    expect(() => validateCatalog(defaultCatalog)).not.toThrow();
    for (const p of defaultCatalog.permissions) expect(p.id).toMatch(/^[a-z][a-z-]*:[a-z][a-z-]*$/);
    for (const item of [...defaultCatalog.permissions, ...defaultCatalog.roles]) {
      expect(item.label.length).toBeGreaterThan(0);
      expect(item.description.length).toBeGreaterThan(10);
    }
  });

  it('documents the expansion of every role, and every role expands to it', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(defaultCatalog.roles.map((r) => r.id).sort());
    for (const role of defaultCatalog.roles) {
      expect({ role: role.id, permissions: expandRole(defaultCatalog, role.id) }).toEqual({ role: role.id, permissions: sorted(EXPECTED[role.id]!) });
    }
  });

  it('asset edit implies asset browse, billing implies paying invoices, user management implies viewing users', () => {
    expect(expandBindings(defaultCatalog, [{ role: 'media-library-full' }]).permissions).toContain('assets:browse');
    expect(expandRole(defaultCatalog, 'accountant')).toEqual(expect.arrayContaining(['invoices:pay', 'invoices:read', 'billing:read']));
    const implying = defaultCatalog.permissions.find((p) => p.id === 'assets:edit');
    expect(implying?.implies).toEqual(['assets:browse']);
  });

  it('owner has every permission; account admin everything but the owner options', () => {
    expect(expandRole(defaultCatalog, 'owner')).toEqual(ALL);
    expect(expandRole(defaultCatalog, 'account-admin')).not.toContain('organization:manage');
    expect(expandRole(defaultCatalog, 'account-admin')).toContain('users:manage');
  });

  it('admin is developer + analyst + accountant but cannot manage users, billing details or API keys', () => {
    const admin = expandRole(defaultCatalog, 'admin');
    for (const constituent of ['developer', 'analyst']) {
      expect(admin).toEqual(expect.arrayContaining(expandRole(defaultCatalog, constituent)));
    }
    for (const denied of ['users:manage', 'billing:read', 'billing:manage', 'api-keys:manage', 'organization:manage', 'security:manage']) {
      expect(admin).not.toContain(denied);
    }
    expect(admin).toEqual(expect.arrayContaining(['invoices:pay', 'invoices:read'])); // what remains of accountant
  });

  it('expands composites of composites (admin -> developer -> image-developer)', () => {
    expect(expandRole(defaultCatalog, 'admin')).toEqual(expect.arrayContaining(IMAGE_DEVELOPER));
    expect(expandRole(defaultCatalog, 'admin')).toEqual(expect.arrayContaining(VIDEO_DEVELOPER));
  });

  it('a scoped source-viewer holds its permissions on those sources only', () => {
    const expansion = expandBindings(defaultCatalog, [
      { role: 'source-viewer', scope: { type: 'source', ids: ['s2', 's1'] } },
      { role: 'source-viewer', scope: { type: 'source', ids: ['s3', 's1'] } },
    ]);
    expect(expansion).toEqual({
      roles: ['source-viewer'],
      permissions: [],
      scoped: [
        { permission: 'analytics:read', scope: { type: 'source', ids: ['s1', 's2', 's3'] } },
        { permission: 'sources:read', scope: { type: 'source', ids: ['s1', 's2', 's3'] } },
      ],
    });
  });

  it('drops scoped grants that a global grant covers', () => {
    const expansion = expandBindings(defaultCatalog, [
      { role: 'source-viewer', scope: { type: 'source', ids: ['s1'] } },
      { role: 'image-analyst' },
    ]);
    expect(expansion.permissions).toEqual(['analytics:read']);
    expect(expansion.scoped).toEqual([{ permission: 'sources:read', scope: { type: 'source', ids: ['s1'] } }]);
    expect(expansion.roles).toEqual(['image-analyst', 'source-viewer']);
  });

  it('keeps scopes of different types apart', () => {
    const expansion = expandBindings(defaultCatalog, [
      { role: 'media-library-viewer', scope: { type: 'folder', ids: ['f1'] } },
      { role: 'media-library-restricted', scope: { type: 'folder', ids: ['f2'] } },
      { role: 'video-collection-viewer', scope: { type: 'video-collection', ids: ['c1'] } },
    ]);
    expect(expansion.scoped).toEqual([
      { permission: 'assets:audit', scope: { type: 'folder', ids: ['f1'] } },
      { permission: 'assets:browse', scope: { type: 'folder', ids: ['f1', 'f2'] } },
      { permission: 'assets:edit', scope: { type: 'folder', ids: ['f2'] } },
      { permission: 'video-analytics:read', scope: { type: 'video-collection', ids: ['c1'] } },
      { permission: 'videos:read', scope: { type: 'video-collection', ids: ['c1'] } },
    ]);
  });

  it('exclusions shape a role, they are not deny rules across bindings', () => {
    const expansion = expandBindings(defaultCatalog, [{ role: 'admin' }, { role: 'accountant' }]);
    expect(expansion.permissions).toEqual(expect.arrayContaining(['billing:manage', 'billing:read']));
    expect(expansion.permissions).not.toContain('users:manage');
  });
});

describe('bindings that do not fit the catalog', () => {
  it('an unknown role is an error naming the binding', () => {
    expect(problemsOf(() => expandBindings(defaultCatalog, [{ role: 'owner' }, { role: 'superuser' }])))
      .toEqual([{ path: 'bindings[1].role', message: 'unknown role "superuser"' }]);
  });

  it('scopes must be accepted by the role, and source-specific roles need one', () => {
    expect(bindingProblems(defaultCatalog, [
      { role: 'source-viewer' },
      { role: 'owner', scope: { type: 'source', ids: ['s1'] } },
      { role: 'source-viewer', scope: { type: 'folder', ids: ['f1'] } },
      { role: 'source-viewer', scope: { type: 'source', ids: [] } },
      { role: 'image-developer', scope: { type: 'source', ids: ['s1'] } },
      { role: 'image-developer' },
    ])).toEqual([
      { path: '[0].scope', message: 'role "source-viewer" must be limited to resources of type "source"' },
      { path: '[1].scope.type', message: 'role "owner" cannot be limited to "source" (it is only granted globally)' },
      { path: '[2].scope.type', message: 'role "source-viewer" cannot be limited to "folder" (accepted: source)' },
      { path: '[3].scope.ids', message: 'must list at least one resource id' },
    ]);
  });
});

describe('exclusion rule', () => {
  // p:top implies p:mid implies p:low; p:side is unrelated.
  const base: CatalogInput = {
    permissions: [
      { id: 'p:top', label: 'Top', description: 'Implies mid.', implies: ['p:mid'] },
      { id: 'p:mid', label: 'Mid', description: 'Implies low.', implies: ['p:low'] },
      { id: 'p:low', label: 'Low', description: 'Implies nothing.' },
      { id: 'p:side', label: 'Side', description: 'Unrelated.' },
    ],
    roles: [
      { id: 'all', label: 'All', description: 'Top and side.', permissions: ['p:top', 'p:side'] },
      { id: 'no-mid', label: 'No mid', description: 'All but mid.', includes: ['all'], excludes: ['p:mid'] },
      { id: 'no-mid-again', label: 'Composite', description: 'Composed of no-mid and all.', includes: ['no-mid', 'all'] },
      { id: 'nested', label: 'Nested', description: 'Composed of no-mid only.', includes: ['no-mid'] },
    ],
  };
  const c = catalog(base);

  it('removes the excluded permission and every permission implying it, keeping what it implies', () => {
    expect(expandRole(c, 'no-mid')).toEqual(['p:low', 'p:side']);
  });

  it('leaves a result closed under implication, so closing it again cannot bring the exclusion back', () => {
    for (const role of c.roles) {
      const permissions = expandRole(c, role.id);
      const closed = sorted(permissions.flatMap((p) => [p, ...closureOf(c, p)]));
      expect(closed).toEqual(permissions);
    }
  });

  it('belongs to the role declaring it: a composite may get the permission back through another constituent', () => {
    expect(expandRole(c, 'no-mid-again')).toEqual(['p:low', 'p:mid', 'p:side', 'p:top']);
    expect(expandRole(c, 'nested')).toEqual(['p:low', 'p:side']);
  });

  it('excluding a permission the role grants itself is a catalog error', () => {
    const broken = { ...base, roles: [{ id: 'odd', label: 'Odd', description: 'Contradicts itself.', permissions: ['p:top'], excludes: ['p:low'] }] };
    expect(problemsOf(() => validateCatalog(broken))).toEqual([
      { path: 'roles[0].excludes[0]', message: '"p:low" is excluded but implied by "p:top" in this role\'s own permissions' },
    ]);
  });
});

function closureOf(c: Catalog, id: string): string[] {
  const implies = c.permissions.find((p) => p.id === id)?.implies ?? [];
  return implies.flatMap((p) => [p, ...closureOf(c, p)]);
}

describe('validateCatalog', () => {
  const permission = (id: string, implies: string[] = [], scopeTypes: string[] = []) => ({ id, label: id, description: `The ${id} permission.`, implies, scopeTypes });
  const role = (id: string, fields: Partial<CatalogInput['roles'][number]> = {}) => ({ id, label: id, description: `The ${id} role.`, ...fields });

  it('names unknown references by path', () => {
    expect(problemsOf(() => validateCatalog({
      permissions: [permission('a:x', ['a:missing'])],
      roles: [role('r', { permissions: ['a:x', 'b:missing'], includes: ['ghost'], excludes: ['c:missing'] })],
    }))).toEqual([
      { path: 'permissions[0].implies[0]', message: 'unknown permission "a:missing"' },
      { path: 'roles[0].permissions[1]', message: 'unknown permission "b:missing"' },
      { path: 'roles[0].includes[0]', message: 'unknown role "ghost"' },
      { path: 'roles[0].excludes[0]', message: 'unknown permission "c:missing"' },
    ]);
  });

  it('rejects duplicates, in the catalog and within a list', () => {
    expect(problemsOf(() => validateCatalog({
      permissions: [permission('a:x'), permission('a:x')],
      roles: [role('r', { permissions: ['a:x', 'a:x'] }), role('r')],
    }))).toEqual([
      { path: 'permissions[1].id', message: 'duplicate permission "a:x" (first defined at permissions[0])' },
      { path: 'roles[1].id', message: 'duplicate role "r" (first defined at roles[0])' },
      { path: 'roles[0].permissions[1]', message: '"a:x" is listed twice' },
    ]);
  });

  it('rejects implication and composition cycles, naming the cycle', () => {
    expect(problemsOf(() => validateCatalog({
      permissions: [permission('a:x', ['a:y']), permission('a:y', ['a:z']), permission('a:z', ['a:x']), permission('a:self', ['a:self'])],
      roles: [role('r1', { includes: ['r2'] }), role('r2', { includes: ['r1'] })],
    }))).toEqual([
      { path: 'permissions[2].implies[0]', message: 'implication cycle: a:x -> a:y -> a:z -> a:x' },
      { path: 'permissions[3].implies[0]', message: 'implication cycle: a:self -> a:self' },
      { path: 'roles[1].includes[0]', message: 'composition cycle: r1 -> r2 -> r1' },
    ]);
  });

  it('still expands a catalog with cycles that skipped validation (terminates)', () => {
    const unchecked = catalogSchema.parse({
      permissions: [permission('a:x', ['a:y']), permission('a:y', ['a:x'])],
      roles: [role('r1', { includes: ['r2'], permissions: ['a:x'] }), role('r2', { includes: ['r1'] })],
    });
    expect(expandRole(unchecked, 'r2')).toEqual(['a:x', 'a:y']);
  });

  it('rejects scope types some permission of the role cannot be limited to', () => {
    expect(problemsOf(() => validateCatalog({
      permissions: [permission('a:x', [], ['source']), permission('a:y')],
      roles: [
        role('base', { permissions: ['a:y'] }),
        role('r', { permissions: ['a:x'], includes: ['base'], scopeTypes: ['source'] }),
        role('s', { scopeRequired: true }),
      ],
    }))).toEqual([
      { path: 'roles[1].scopeTypes[0]', message: 'permission "a:y" of this role cannot be limited to "source"' },
      { path: 'roles[2].scopeRequired', message: 'a role that must be limited to resources needs at least one scope type' },
    ]);
  });

  it('rejects unknown keys and malformed ids', () => {
    expect(problemsOf(() => validateCatalog({
      permissions: [{ ...permission('Bad Id'), extra: true }],
      roles: [],
    }))).toEqual([
      { path: 'permissions[0].id', message: 'must be lower-case words separated by ":" (e.g. "assets:edit")' },
      { path: 'permissions[0].extra', message: 'unknown key' },
    ]);
  });
});

describe('canGrant', () => {
  const c = defaultCatalog;
  const bind = (...roles: string[]): RoleBinding[] => roles.map((role) => ({ role }));
  const on = (role: string, type: string, ...ids: string[]): RoleBinding => ({ role, scope: { type, ids } });

  it('the owner grants anything; only an owner grants owner', () => {
    for (const role of c.roles) {
      const binding = role.scopeRequired ? on(role.id, role.scopeTypes[0]!, 'x') : { role: role.id };
      expect(canGrant(c, bind('owner'), [binding])).toBe(true);
    }
    expect(canGrant(c, bind('account-admin'), bind('owner'))).toBe(false);
    expect(canGrant(c, bind('account-admin'), bind('account-admin', 'admin', 'accountant'))).toBe(true);
  });

  it('nobody grants a permission they do not hold', () => {
    expect(canGrant(c, bind('admin'), bind('accountant'))).toBe(false); // billing details
    expect(canGrant(c, bind('admin'), bind('developer', 'analyst'))).toBe(true);
    expect(canGrant(c, bind('developer'), bind('image-developer', 'video-developer', 'marketer'))).toBe(true);
    expect(canGrant(c, bind('developer'), bind('analyst'))).toBe(false); // video analytics
    expect(canGrant(c, bind('marketer'), bind('media-library-viewer'))).toBe(true);
    expect(canGrant(c, bind('media-library-viewer'), bind('marketer'))).toBe(false);
    expect(canGrant(c, [], [])).toBe(true);
  });

  it('a scoped grant needs the permissions on at least those resources', () => {
    const holder = [on('source-viewer', 'source', 's1', 's2')];
    expect(canGrant(c, holder, [on('source-viewer', 'source', 's1')])).toBe(true);
    expect(canGrant(c, holder, [on('source-viewer', 'source', 's1', 's2')])).toBe(true);
    expect(canGrant(c, holder, [on('source-viewer', 'source', 's3')])).toBe(false);
    expect(canGrant(c, holder, bind('image-analyst'))).toBe(false); // scoped does not give global
    expect(canGrant(c, bind('image-admin'), [on('source-viewer', 'source', 'anything')])).toBe(true);
    expect(canGrant(c, [on('image-developer', 'source', 's1')], [on('image-developer', 'source', 's1')])).toBe(true);
    expect(canGrant(c, [on('image-developer', 'source', 's1')], [on('source-viewer', 'source', 's1')])).toBe(false); // no analytics
  });

  it('refuses bindings the catalog does not know', () => {
    expect(problemsOf(() => canGrant(c, bind('owner'), bind('root')))).toEqual([{ path: 'bindingsToGrant[0].role', message: 'unknown role "root"' }]);
  });
});

describe('properties over random bindings of the default catalog', () => {
  // Deterministic pseudo-random generator (mulberry32), so a failure reproduces.
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

  function randomBindings(next: () => number): RoleBinding[] {
    return Array.from({ length: Math.floor(next() * 5) }, () => {
      const role = pick(next, defaultCatalog.roles);
      if (role.scopeTypes.length === 0 || (!role.scopeRequired && next() < 0.5)) return { role: role.id };
      const ids = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(next, ['a', 'b', 'c', 'd']));
      return { role: role.id, scope: { type: pick(next, role.scopeTypes), ids } };
    });
  }

  function shuffle<T>(next: () => number, items: T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  const cases = Array.from({ length: 300 }, (_, seed) => seed);

  it('expansion ignores order and repetition of bindings', () => {
    for (const seed of cases) {
      const next = random(seed);
      const bindings = randomBindings(next);
      const expansion = expandBindings(defaultCatalog, bindings);
      expect(expandBindings(defaultCatalog, shuffle(next, bindings))).toEqual(expansion);
      expect(expandBindings(defaultCatalog, [...bindings, ...shuffle(next, bindings)])).toEqual(expansion);
    }
  });

  it('expansion is idempotent: re-expanding what it grants adds nothing', () => {
    const implied = (p: string) => defaultCatalog.permissions.find((d) => d.id === p)?.implies ?? [];
    for (const seed of cases) {
      const expansion = expandBindings(defaultCatalog, randomBindings(random(seed)));
      expect(sorted(expansion.permissions.flatMap((p) => [p, ...implied(p)]))).toEqual(expansion.permissions);
      for (const { permission, scope } of expansion.scoped) {
        for (const p of implied(permission)) {
          const covered = expansion.permissions.includes(p) || expansion.scoped.some((s) =>
            s.permission === p && s.scope.type === scope.type && scope.ids.every((id) => s.scope.ids.includes(id)));
          expect(covered).toBe(true);
        }
      }
      expect(expansion.permissions).toEqual(sorted(expansion.permissions));
    }
  });

  it('global permissions are the union of the roles bound globally', () => {
    for (const seed of cases) {
      const bindings = randomBindings(random(seed));
      const union = sorted(bindings.filter((b) => !b.scope).flatMap((b) => expandRole(defaultCatalog, b.role)));
      expect(expandBindings(defaultCatalog, bindings).permissions).toEqual(union);
    }
  });

  it('anyone may grant what they hold, and what a subset of it grants', () => {
    for (const seed of cases) {
      const next = random(seed);
      const bindings = randomBindings(next);
      expect(canGrant(defaultCatalog, bindings, bindings)).toBe(true);
      expect(canGrant(defaultCatalog, [...bindings, ...randomBindings(next)], bindings.slice(0, 2))).toBe(true);
    }
  });
});
