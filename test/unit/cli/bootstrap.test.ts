import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { NOT_BY_CONNECTION } from '../../../src/directory/mapping-rules.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importBootstrap, loadBootstrapFile, type BootstrapDeps } from '../../../src/cli/bootstrap/import.ts';
import { bootstrapJsonSchemaText } from '../../../src/cli/bootstrap/schema.ts';
import { ValidationError } from '../../../src/common/errors.ts';
import { defaultCatalog } from '../../../src/directory/default-catalog.ts';
import {
  DUMMY_PASSWORD_HASH, hashPassword, passwordNeedsRehash, verifyNothing, verifyPassword, verifyPasswordOrNothing,
} from '../../../src/directory/passwords.ts';
import { clientSecretMatches } from '../../../src/oidc/clients.ts';
import { createEmbeddedBackend } from '../../../src/store/embedded/backend.ts';
import { createStores, type Stores } from '../../../src/store/stores.ts';

const DEMO_FILE = new URL('../../../config/demo.yaml', import.meta.url).pathname;
const SCHEMA_FILE = new URL('../../../config/bootstrap.schema.json', import.meta.url);

type Doc = Record<string, unknown[]>;

describe('importBootstrap', () => {
  let stores: Stores;
  let deps: BootstrapDeps;
  let demo: Doc;

  beforeEach(async () => {
    stores = await createStores(createEmbeddedBackend({ memory: true }));
    deps = { stores, hashPassword, catalog: defaultCatalog };
    demo = (await loadBootstrapFile(DEMO_FILE)) as Doc;
  });
  afterEach(async () => {
    await stores.close();
  });

  /** Every stored object of the kinds an import writes, as `kind/id -> version`. */
  async function versions(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const kind of ['organizations', 'users', 'groups', 'memberships', 'clients', 'connections'] as const) {
      for (const item of (await stores[kind].list({ limit: 500 })).items) out[`${kind}/${item.id}`] = item.version;
    }
    return out;
  }

  async function problemsOf(document: unknown): Promise<{ path: string; message: string }[]> {
    const before = await versions();
    const error: unknown = await importBootstrap(deps, document).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(await versions()).toEqual(before); // nothing written
    return [...(error as ValidationError).details];
  }

  /** The demo document with some entries changed (deep copy). */
  function changed(edit: (doc: Doc) => void): Doc {
    const doc = structuredClone(demo);
    edit(doc);
    return doc;
  }

  const none = { organizations: 0, users: 0, groups: 0, memberships: 0, clients: 0, connections: 0 };

  it('imports the demo world', async () => {
    const summary = await importBootstrap(deps, demo);
    expect(summary).toEqual({
      created: { organizations: 1, users: 2, groups: 1, memberships: 2, clients: 2, connections: 0 },
      updated: none,
      unchanged: none,
    });

    const org = await stores.organizations.findBySlug('demo');
    expect(org).toMatchObject({
      slug: 'demo',
      name: 'Demo Company',
      loginPolicy: { methods: ['password'], googleHostedDomains: [], ownerPasswordFallback: false },
      mfaPolicy: 'optional',
      limits: { maxUsers: 5, maxGroups: 5 },
      domains: [{ domain: 'demo.test', verified: true }],
    });
    expect(await stores.organizations.findByVerifiedDomain('demo.test')).toMatchObject({ id: org!.id });

    const owner = await stores.users.findByEmail('admin@demo.test');
    expect(owner).toMatchObject({ name: 'Demo Owner', emailVerified: true, mfaOptIn: false, status: 'active', lastLoginAt: null });
    expect(owner!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(owner!.passwordHash!, 'bridgekeeper-demo')).toBe(true);
    expect(await stores.memberships.findFor(org!.id, owner!.id)).toMatchObject({ roles: [{ role: 'owner' }], groupIds: [], status: 'active', source: 'bootstrap' });

    const group = await stores.groups.findByName(org!.id, 'marketing team');
    expect(group).toMatchObject({ name: 'Marketing Team', roles: [{ role: 'marketer' }] });
    const member = await stores.users.findByEmail('member@demo.test');
    expect(await stores.memberships.findFor(org!.id, member!.id)).toMatchObject({
      roles: [{ role: 'source-viewer', scope: { type: 'source', ids: ['demo-images'] } }],
      groupIds: [group!.id],
    });

    expect(await stores.clients.get('demo-app')).toMatchObject({
      redirectUris: ['http://localhost:3000/demo/callback'],
      grantTypes: ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      clientSecretHash: null,
      firstParty: true,
      allowedOrgIds: [],
    });
  });

  it('importing twice changes nothing and bumps no version', async () => {
    await importBootstrap(deps, demo);
    const before = await versions();
    const summary = await importBootstrap(deps, demo);
    expect(summary).toEqual({
      created: none,
      updated: none,
      unchanged: { organizations: 1, users: 2, groups: 1, memberships: 2, clients: 2, connections: 0 },
    });
    expect(await versions()).toEqual(before);
  });

  it('converges when several instances import the same file at once', async () => {
    const summaries = await Promise.all(Array.from({ length: 5 }, () => importBootstrap(deps, demo)));
    const created = (kind: 'organizations' | 'users' | 'memberships') => summaries.reduce((sum, s) => sum + s.created[kind], 0);
    expect([created('organizations'), created('users'), created('memberships')]).toEqual([1, 2, 2]);
    expect(await stores.organizations.count()).toBe(1);
    expect(await stores.users.count()).toBe(2);
    expect(await stores.memberships.count()).toBe(2);
    expect(await stores.clients.count()).toBe(2);
  });

  it('updates what changed, and only that', async () => {
    await importBootstrap(deps, demo);
    const summary = await importBootstrap(deps, changed((doc) => {
      (doc.organizations![0] as { name: string }).name = 'Demo Company Ltd';
      (doc.users![1] as { password: string }).password = 'another-password';
    }));
    expect(summary.updated).toEqual({ ...none, organizations: 1, users: 1 });
    expect(summary.unchanged).toEqual({ organizations: 0, users: 1, groups: 1, memberships: 2, clients: 2, connections: 0 });
    const org = await stores.organizations.findBySlug('demo');
    expect(org).toMatchObject({ name: 'Demo Company Ltd', version: 2 });
    const member = await stores.users.findByEmail('member@demo.test');
    expect(await verifyPassword(member!.passwordHash!, 'another-password')).toBe(true);
    // A password set anew ends the account's earlier sign-ins; the other account's stays as it was.
    expect(member!.passwordChangedAt).toBeDefined();
    const other = (await stores.users.list({ limit: 10 })).items.find((u) => u.id !== member!.id);
    expect(other!.passwordChangedAt).toBeUndefined();
  });

  it('keeps stored values of fields the file leaves out, and deletes nothing', async () => {
    await importBootstrap(deps, demo);
    const org = await stores.organizations.findBySlug('demo');
    await stores.organizations.update(org!.id, { mfaPolicy: 'required', limits: { maxUsers: 50, maxGroups: 5 } });
    const summary = await importBootstrap(deps, {
      organizations: [{ slug: 'demo', name: 'Demo Company', limits: { maxGroups: 10 } }],
    });
    expect(summary.updated.organizations).toBe(1);
    expect(await stores.organizations.findBySlug('demo')).toMatchObject({
      mfaPolicy: 'required',
      limits: { maxUsers: 50, maxGroups: 10 },
      domains: [{ domain: 'demo.test' }],
    });
    expect(await stores.users.count()).toBe(2);
    expect(await stores.clients.count()).toBe(2);
  });

  it('resolves references to objects already in the store', async () => {
    await importBootstrap(deps, demo);
    const summary = await importBootstrap(deps, {
      users: [{ email: 'New.Person@Demo.test', name: 'New Person' }],
      memberships: [{ user: 'new.person@demo.test', org: 'demo', groups: ['MARKETING TEAM'], roles: ['analyst'] }],
      connections: [{ org: 'demo', kind: 'saml', name: 'Okta', jit: { enabled: true, defaultRoles: ['marketer'] } }],
    });
    expect(summary.created).toEqual({ ...none, users: 1, memberships: 1, connections: 1 });
    const user = await stores.users.findByEmail('new.person@demo.test');
    expect(user).toMatchObject({ passwordHash: null, emailVerified: false });
    const connections = (await stores.connections.list()).items;
    expect(connections).toMatchObject([{ name: 'Okta', kind: 'saml', enabled: false, settings: {}, mapping: {}, jit: { enabled: true, defaultRoles: ['marketer'] } }]);
    const again = await importBootstrap(deps, { connections: [{ org: 'demo', kind: 'saml', name: 'okta', enabled: true }] });
    expect(again.updated.connections).toBe(1);
    expect((await stores.connections.list()).items).toMatchObject([{ name: 'okta', enabled: true, jit: { enabled: true } }]);
  });

  it('stores client secrets as digests only and recognises an unchanged secret', async () => {
    const secret = 'a-confidential-client-secret-of-enough-length';
    const doc = {
      organizations: [{ slug: 'acme', name: 'Acme' }],
      clients: [{
        clientId: 'acme-api',
        name: 'Acme API',
        redirectUris: ['https://app.acme.example/cb'],
        clientSecret: secret,
        allowedOrganizations: ['acme'],
        grantTypes: ['authorization_code', 'refresh_token'],
      }],
    };
    await importBootstrap(deps, doc);
    const client = await stores.clients.get('acme-api');
    expect(client.tokenEndpointAuthMethod).toBe('client_secret_basic');
    expect(client.clientSecretHash).not.toContain(secret);
    expect(clientSecretMatches(client.clientSecretHash ?? undefined, secret)).toBe(true);
    expect(client.allowedOrgIds).toEqual([(await stores.organizations.findBySlug('acme'))!.id]);
    expect((await importBootstrap(deps, doc)).unchanged.clients).toBe(1);
  });

  it('takes an argon2id hash as given', async () => {
    const passwordHash = await hashPassword('given-password');
    await importBootstrap(deps, { users: [{ email: 'hash@demo.test', name: 'Hashed', passwordHash }] });
    expect((await stores.users.findByEmail('hash@demo.test'))!.passwordHash).toBe(passwordHash);
  });

  describe('refuses invalid documents, listing every problem by path, before writing anything', () => {
    it('unknown keys', async () => {
      expect(await problemsOf(changed((doc) => {
        Object.assign(doc.organizations![0] as object, { colour: 'blue' });
        Object.assign(doc, { extras: [] });
      }))).toEqual([
        { path: 'organizations[0].colour', message: 'unknown key' },
        { path: 'extras', message: 'unknown key' },
      ]);
    });

    it('unknown organisations, users and groups', async () => {
      expect(await problemsOf(changed((doc) => {
        doc.memberships!.push({ user: 'admin@demo.test', org: 'acme' });
        doc.memberships!.push({ user: 'nobody@demo.test', org: 'demo', groups: ['Sales Team'] });
        doc.groups!.push({ org: 'acme', name: 'Sales Team' });
        doc.clients!.push({ clientId: 'other', name: 'Other', redirectUris: ['https://other.example/cb'], allowedOrganizations: ['acme'] });
      }))).toEqual([
        { path: 'groups[1].org', message: 'unknown organization "acme"' },
        { path: 'memberships[2].org', message: 'unknown organization "acme"' },
        { path: 'memberships[3].user', message: 'unknown user "nobody@demo.test"' },
        { path: 'memberships[3].groups[0]', message: 'unknown group "Sales Team" in organization "demo"' },
        { path: 'clients[2].allowedOrganizations[0]', message: 'unknown organization "acme"' },
      ]);
    });

    it('roles missing from the catalog or bound the wrong way', async () => {
      expect(await problemsOf(changed((doc) => {
        (doc.memberships![0] as { roles: unknown[] }).roles = ['owner', 'superuser', { role: 'source-viewer' }];
        (doc.groups![0] as { roles: unknown[] }).roles = [{ role: 'marketer', scope: { type: 'source', ids: ['s1'] } }];
        doc.connections = [{ org: 'demo', kind: 'google', name: 'Google', jit: { defaultRoles: ['ghost'] } }];
      }))).toEqual([
        { path: 'groups[0].roles[0].scope.type', message: 'role "marketer" cannot be limited to "source" (it is only granted globally)' },
        { path: 'memberships[0].roles[1].role', message: 'unknown role "superuser"' },
        { path: 'memberships[0].roles[2].scope', message: 'role "source-viewer" must be limited to resources of type "source"' },
        { path: 'connections[0].jit.defaultRoles[0].role', message: 'unknown role "ghost"' },
      ]);
    });

    it('group names with anything but letters, digits and spaces', async () => {
      expect(await problemsOf(changed((doc) => {
        (doc.groups![0] as { name: string }).name = 'Marketing_Team!';
        (doc.memberships![1] as { groups: string[] }).groups = ['Marketing-Team'];
      }))).toEqual([
        { path: 'groups[0].name', message: 'may contain only letters, digits and spaces' },
        { path: 'memberships[1].groups[0]', message: 'may contain only letters, digits and spaces' },
      ]);
    });

    it('more users than the organisation allows', async () => {
      await importBootstrap(deps, demo); // 2 members of 5
      const users = ['a', 'b', 'c', 'd'].map((n) => ({ email: `${n}@demo.test`, name: n.toUpperCase() }));
      expect(await problemsOf({
        users,
        memberships: users.map((u) => ({ user: u.email, org: 'demo' })),
      })).toEqual([
        { path: 'memberships[3]', message: 'organization "demo" allows at most 5 users (limits.maxUsers); this file would bring it to 6' },
      ]);
      expect(await stores.users.count()).toBe(2);
    });

    it('more groups than the organisation allows, and a limit below what is stored', async () => {
      await importBootstrap(deps, demo);
      expect(await problemsOf({ groups: ['One', 'Two', 'Three', 'Four', 'Five'].map((name) => ({ org: 'demo', name })) })).toEqual([
        { path: 'groups[4]', message: 'organization "demo" allows at most 5 groups (limits.maxGroups); this file would bring it to 6' },
      ]);
      expect(await problemsOf({ organizations: [{ slug: 'demo', name: 'Demo', limits: { maxUsers: 1 } }] })).toEqual([
        { path: 'organizations[0].limits.maxUsers', message: 'organization "demo" already has 2 users, more than 1' },
      ]);
      const org = await stores.organizations.findBySlug('demo');
      await stores.organizations.update(org!.id, { limits: { maxUsers: 1, maxGroups: 5 } }); // a plan downgrade
      expect(await problemsOf({ users: [{ email: 'late@demo.test', name: 'Late' }], memberships: [{ user: 'late@demo.test', org: 'demo' }] })).toEqual([
        { path: 'memberships[0]', message: 'organization "demo" allows at most 1 users (limits.maxUsers); this file would bring it to 3' },
      ]);
      expect((await importBootstrap(deps, demo)).unchanged.memberships).toBe(2); // existing members are not refused
    });

    it('SAML settings and mapping rules that do not hold, named under the connection', async () => {
      await importBootstrap(deps, demo);
      const problems = await problemsOf({
        connections: [{
          org: 'demo', kind: 'saml', name: 'Broken IdP',
          settings: { idpEntityId: 'https://idp.example', ssoUrl: 'http://idp.example/sso', idpCertificates: ['not a certificate'] },
          mapping: { rules: [{ attribute: 'groups', equals: 'staff' }] },
        }],
      });
      expect(problems.map((p) => p.path)).toEqual([
        'connections[0].settings.ssoUrl', 'connections[0].settings.idpCertificates[0]', 'connections[0].mapping.rules[0].groups',
      ]);
      expect(await stores.connections.count()).toBe(0);
    });

    it('a connection that would make anyone an owner, by its default roles or its rules', async () => {
      await importBootstrap(deps, demo);
      const problems = await problemsOf({
        connections: [{
          org: 'demo', kind: 'saml', name: 'Owner maker', jit: { enabled: true, defaultRoles: ['developer', 'owner'] },
          mapping: { rules: [{ attribute: 'groups', equals: 'staff', roles: [{ role: 'owner' }] }] },
        }],
      });
      expect(problems).toEqual([
        { path: 'connections[0].jit.defaultRoles[1]', message: NOT_BY_CONNECTION }, { path: 'connections[0].mapping.rules[0].roles[0]', message: NOT_BY_CONNECTION },
      ]);
      expect(await stores.connections.count()).toBe(0);
    });

    it('duplicates, contradictory credentials and verified domains held elsewhere', async () => {
      await importBootstrap(deps, demo);
      expect(await problemsOf({
        organizations: [{ slug: 'other', name: 'Other', domains: [{ domain: 'demo.test', verified: true }] }],
        users: [
          { email: 'x@demo.test', name: 'X', password: 'long-enough', passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' },
          { email: 'X@demo.test', name: 'X' },
        ],
        clients: [
          { clientId: 'public', name: 'Public', redirectUris: ['https://p.example/cb'], tokenEndpointAuthMethod: 'none', clientSecret: 'x'.repeat(32) },
          { clientId: 'confidential', name: 'Confidential', redirectUris: [], tokenEndpointAuthMethod: 'client_secret_post' },
        ],
      })).toEqual([
        { path: 'users[1].email', message: 'duplicate of users[0]' },
        { path: 'organizations[0].domains[0].domain', message: '"demo.test" is already verified by organization "demo"' },
        { path: 'users[0]', message: 'give either password or passwordHash, not both' },
        { path: 'clients[0].clientSecret', message: 'a client authenticating with "none" has no secret' },
        { path: 'clients[1].clientSecret', message: 'required for tokenEndpointAuthMethod "client_secret_post"' },
        { path: 'clients[1].redirectUris', message: 'the authorization_code grant needs at least one redirect URI' },
      ]);
    });
  });
});

describe('loadBootstrapFile', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'bk-bootstrap-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('reads YAML; an empty file is an empty document', async () => {
    await writeFile(join(dir, 'empty.yaml'), '# nothing yet\n');
    expect(await loadBootstrapFile(join(dir, 'empty.yaml'))).toEqual({});
  });

  it('names unreadable files and YAML errors', async () => {
    await expect(loadBootstrapFile(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot be read \(ENOENT\)/);
    await writeFile(join(dir, 'bad.yaml'), 'users:\n  - email: a\n   name: b\n');
    await expect(loadBootstrapFile(join(dir, 'bad.yaml'))).rejects.toThrow(/bad\.yaml: not valid YAML/);
  });
});

describe('config/bootstrap.schema.json', () => {
  it('is up to date with the zod schema (regenerate with `node scripts/bootstrap-schema.ts`)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(bootstrapJsonSchemaText());
  });

  it('describes every field', () => {
    interface Node { description?: string; properties?: Record<string, Node>; items?: Node; anyOf?: Node[] }
    const undocumented: string[] = [];
    const walk = (node: Node, path: string) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (!child.description) undocumented.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
      if (node.items) walk(node.items, `${path}[]`);
      node.anyOf?.forEach((option) => walk(option, path));
    };
    walk(JSON.parse(bootstrapJsonSchemaText()) as Node, '');
    expect(undocumented).toEqual([]);
  });
});

describe('password hashing used for imported users', () => {
  it('is argon2id with the OWASP parameters, and the dummy hash costs the same', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(passwordNeedsRehash(hash)).toBe(false);
    expect(passwordNeedsRehash(DUMMY_PASSWORD_HASH)).toBe(false);
    expect(passwordNeedsRehash('$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo')).toBe(true);
  });

  it('verifies, and fails closed on anything else', async () => {
    const hash = await hashPassword('correct horse');
    expect(await verifyPassword(hash, 'correct horse')).toBe(true);
    expect(await verifyPassword(hash, 'wrong horse')).toBe(false);
    expect(await verifyPassword('not a hash', 'correct horse')).toBe(false);
    expect(await verifyPasswordOrNothing(null, 'correct horse')).toBe(false);
    await expect(verifyNothing('anything')).resolves.toBeUndefined();
  });
});
