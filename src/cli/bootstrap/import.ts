import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { Draft, Entity, Patch, Repository } from '../../common/entity.ts';
import { ConflictError, ValidationError } from '../../common/errors.ts';
import { normalizeEmail, normalizeName } from '../../common/normalize.ts';
import type { Catalog } from '../../directory/catalog.ts';
import type { EmailDomain, Group, Membership, Organization, RoleBinding, User } from '../../directory/model.ts';
import { verifyPassword } from '../../directory/passwords.ts';
import { bindingProblems, type Problem } from '../../directory/permissions.ts';
import type { Connection } from '../../federation/model.ts';
import { digestClientSecret } from '../../oidc/clients.ts';
import type { Client } from '../../oidc/model.ts';
import type { Stores } from '../../store/stores.ts';
import { parseBootstrapDocument, type BootstrapDocument, type RoleBindingEntry } from './schema.ts';

/*
 * Imports a bootstrap document (see schema.ts):
 * - the whole document is checked first, shape (zod) then references against the file and the store, roles
 *   against the catalog, plan limits; any problem refuses the import with every problem listed by path, before
 *   anything is written
 * - objects are matched by natural key (org slug, user email, org + group name, org + user, client id,
 *   org + connection name); a missing object is created, a differing one updated with the fields that differ,
 *   an equal one left alone (no write, no version bump). Nothing is ever deleted.
 * - writes go in dependency order (organisations, users, groups, connections, clients, memberships). Instances
 *   started together import the same file at once: a create that loses the race (ConflictError) reads the
 *   winner's object and compares with it instead. Without multi-document transactions a failure mid-way leaves
 *   a prefix applied; running the import again completes it.
 */

export interface BootstrapDeps {
  stores: Stores;
  hashPassword: (plain: string) => Promise<string>;
  /** Recognises a plain password that is already stored, so that re-importing it changes nothing. */
  verifyPassword?: (hash: string, plain: string) => Promise<boolean>;
  catalog: Catalog;
}

export const BOOTSTRAP_KINDS = ['organizations', 'users', 'groups', 'memberships', 'clients', 'connections'] as const;
export type BootstrapKind = typeof BOOTSTRAP_KINDS[number];
export type BootstrapCounts = Record<BootstrapKind, number>;

export interface BootstrapSummary {
  created: BootstrapCounts;
  updated: BootstrapCounts;
  unchanged: BootstrapCounts;
}

type Entries<K extends BootstrapKind> = NonNullable<BootstrapDocument[K]>;
type OrganizationEntry = Entries<'organizations'>[number];
type UserEntry = Entries<'users'>[number];
type GroupEntry = Entries<'groups'>[number];
type MembershipEntry = Entries<'memberships'>[number];
type ClientEntry = Entries<'clients'>[number];
type ConnectionEntry = Entries<'connections'>[number];

/** Reads a bootstrap file (YAML) without validating it: importBootstrap does that. */
export async function loadBootstrapFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ValidationError(`${path}: cannot be read (${reason})`, [{ path: '(file)', message: `cannot be read (${reason})` }]);
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0] ?? 'syntax error';
    throw new ValidationError(`${path}: not valid YAML (${reason})`, [{ path: '(file)', message: `not valid YAML (${reason})` }]);
  }
}

/** @throws ValidationError listing every problem by path (`memberships[2].org: unknown organization "acme"`). */
export async function importBootstrap(deps: BootstrapDeps, document: unknown): Promise<BootstrapSummary> {
  const parsed = parseBootstrapDocument(document);
  if (!parsed.success) throw invalid(parsed.problems);
  const world = createWorld(deps.stores);
  const problems = await checkReferences(deps, parsed.data, world);
  if (problems.length > 0) throw invalid(problems);
  return write(deps, parsed.data, world);
}

function invalid(problems: Problem[]): ValidationError {
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
  return new ValidationError(`bootstrap document is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines}`, problems);
}

// ---------------------------------------------------------------------------------------------------------------
// Checks: everything that would make the import fail or break a rule, against the file and the store.

async function checkReferences(deps: BootstrapDeps, doc: BootstrapDocument, world: World): Promise<Problem[]> {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const orgs = indexEntries(doc.organizations, 'organizations', (o) => normalizeName(o.slug), 'slug', add);
  const users = indexEntries(doc.users, 'users', (u) => normalizeEmail(u.email), 'email', add);
  const groups = indexEntries(doc.groups, 'groups', (g) => orgScopedKey(g.org, g.name), 'name', add);
  const memberships = indexEntries(doc.memberships, 'memberships', (m) => `${normalizeName(m.org)}/${normalizeEmail(m.user)}`, 'user', add);
  indexEntries(doc.clients, 'clients', (c) => c.clientId, 'clientId', add);
  indexEntries(doc.connections, 'connections', (c) => orgScopedKey(c.org, c.name), 'name', add);
  const checkRoles = (bindings: readonly RoleBindingEntry[] | undefined, path: string) => {
    for (const p of bindingProblems(deps.catalog, toBindings(bindings ?? []))) add(`${path}${p.path}`, p.message);
  };
  /** The organisation as it will be after the import, or undefined (reported) when neither file nor store has it. */
  const organization = async (slug: string, path: string) => {
    const stored = await world.organization(slug);
    const entry = orgs.get(normalizeName(slug))?.entry;
    if (!entry && !stored) add(path, `unknown organization "${slug}"`);
    return entry ? organizationDraft(entry, stored) : stored;
  };

  const verifiedBy = new Map<string, string>();
  for (const [i, org] of (doc.organizations ?? []).entries()) {
    for (const [k, { domain, verified }] of (org.domains ?? []).entries()) {
      const path = `organizations[${i}].domains[${k}].domain`;
      if (org.domains?.findIndex((d) => d.domain === domain) !== k) add(path, `"${domain}" is listed twice`);
      if (!verified) continue;
      const holder = verifiedBy.get(domain) ?? (await deps.stores.organizations.findByVerifiedDomain(domain))?.slug;
      if (holder !== undefined && normalizeName(holder) !== normalizeName(org.slug)) add(path, `"${domain}" is already verified by organization "${holder}"`);
      verifiedBy.set(domain, org.slug);
    }
  }
  for (const [i, user] of (doc.users ?? []).entries()) {
    if (user.password !== undefined && user.passwordHash !== undefined) add(`users[${i}]`, 'give either password or passwordHash, not both');
  }
  for (const [i, group] of (doc.groups ?? []).entries()) {
    await organization(group.org, `groups[${i}].org`);
    checkRoles(group.roles, `groups[${i}].roles`);
  }
  for (const [i, m] of (doc.memberships ?? []).entries()) {
    const org = await organization(m.org, `memberships[${i}].org`);
    if (!users.has(normalizeEmail(m.user)) && !(await world.user(m.user))) add(`memberships[${i}].user`, `unknown user "${m.user}"`);
    for (const [k, name] of (m.groups ?? []).entries()) {
      if (org && !groups.has(orgScopedKey(m.org, name)) && !(await world.group(m.org, name))) {
        add(`memberships[${i}].groups[${k}]`, `unknown group "${name}" in organization "${m.org}"`);
      }
    }
    checkRoles(m.roles, `memberships[${i}].roles`);
    for (const [k, method] of (m.loginMethods ?? []).entries()) {
      if (org && !org.loginPolicy.methods.includes(method)) add(`memberships[${i}].loginMethods[${k}]`, `"${method}" is not allowed by organization "${m.org}"`);
    }
  }
  for (const [i, client] of (doc.clients ?? []).entries()) {
    for (const [k, slug] of (client.allowedOrganizations ?? []).entries()) await organization(slug, `clients[${i}].allowedOrganizations[${k}]`);
    checkClientCredentials(client, await world.client(client.clientId), `clients[${i}]`, add);
  }
  for (const [i, connection] of (doc.connections ?? []).entries()) {
    await organization(connection.org, `connections[${i}].org`);
    checkRoles(connection.jit?.defaultRoles, `connections[${i}].jit.defaultRoles`);
  }
  if (problems.length === 0) await checkLimits(deps, world, orgs, memberships, groups, add);
  return problems;
}

function checkClientCredentials(client: ClientEntry, stored: Client | undefined, path: string, add: (path: string, message: string) => void): void {
  const method = clientAuthMethod(client, stored);
  const grants = client.grantTypes ?? stored?.grantTypes ?? ['authorization_code'];
  if (method === 'none' || method === 'private_key_jwt') {
    if (client.clientSecret !== undefined) add(`${path}.clientSecret`, `a client authenticating with "${method}" has no secret`);
    if (method === 'none' && grants.includes('client_credentials')) {
      add(`${path}.grantTypes`, 'a public client (tokenEndpointAuthMethod "none") cannot use client_credentials');
    }
  } else if (client.clientSecret === undefined && !stored?.clientSecretHash) {
    add(`${path}.clientSecret`, `required for tokenEndpointAuthMethod "${method}"`);
  }
  if (grants.includes('authorization_code') && client.redirectUris.length === 0) {
    add(`${path}.redirectUris`, 'the authorization_code grant needs at least one redirect URI');
  }
}

interface CapEntry {
  org: string;
  path: string;
  /** False when the object already exists (updating it does not count against the cap). */
  isNew(): Promise<boolean>;
}

/** Plan caps (ImageKit: 5 users, 5 groups), counted after the import, stored objects included. */
async function checkLimits(
  deps: BootstrapDeps,
  world: World,
  orgs: Map<string, Indexed<OrganizationEntry>>,
  memberships: Map<string, Indexed<MembershipEntry>>,
  groups: Map<string, Indexed<GroupEntry>>,
  add: (path: string, message: string) => void,
): Promise<void> {
  const caps = [{
    noun: 'users',
    field: 'maxUsers',
    count: (orgId: string) => deps.stores.memberships.count({ orgId }),
    entries: [...memberships.values()].map(({ entry, path }): CapEntry => ({
      org: entry.org,
      path,
      isNew: async () => !(await world.membership(entry.org, entry.user)),
    })),
  }, {
    noun: 'groups',
    field: 'maxGroups',
    count: (orgId: string) => deps.stores.groups.count({ orgId }),
    entries: [...groups.values()].map(({ entry, path }): CapEntry => ({
      org: entry.org,
      path,
      isNew: async () => !(await world.group(entry.org, entry.name)),
    })),
  }] as const;
  for (const cap of caps) {
    for (const slug of new Set([...orgs.keys(), ...cap.entries.map((e) => normalizeName(e.org))])) {
      const stored = await world.organization(slug);
      const indexed = orgs.get(slug);
      const max = (indexed ? organizationDraft(indexed.entry, stored) : stored)?.limits[cap.field];
      if (max === undefined || max === null) continue;
      const existing = stored ? await cap.count(stored.id) : 0;
      const added: CapEntry[] = [];
      for (const entry of cap.entries) if (normalizeName(entry.org) === slug && await entry.isNew()) added.push(entry);
      const total = existing + added.length;
      if (total <= max) continue;
      const first = added[Math.max(0, max - existing)];
      if (first) add(first.path, `organization "${slug}" allows at most ${max} ${cap.noun} (limits.${cap.field}); this file would bring it to ${total}`);
      else if (indexed) add(`${indexed.path}.limits.${cap.field}`, `organization "${slug}" already has ${existing} ${cap.noun}, more than ${max}`);
    }
  }
}

interface Indexed<E> {
  entry: E;
  path: string;
}

/** Entries by natural key; a second entry with the same key is reported. */
function indexEntries<E>(
  entries: readonly E[] | undefined,
  list: string,
  key: (entry: E) => string,
  field: string,
  add: (path: string, message: string) => void,
): Map<string, Indexed<E>> {
  const index = new Map<string, Indexed<E>>();
  (entries ?? []).forEach((entry, i) => {
    const path = `${list}[${i}]`;
    const first = index.get(key(entry));
    if (first) add(`${path}.${field}`, `duplicate of ${first.path}`);
    else index.set(key(entry), { entry, path });
  });
  return index;
}

function orgScopedKey(orgSlug: string, name: string): string {
  return `${normalizeName(orgSlug)}/${normalizeName(name)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Writes: the desired state of each object, compared with the stored one.

async function write(deps: BootstrapDeps, doc: BootstrapDocument, world: World): Promise<BootstrapSummary> {
  const summary = emptySummary();
  const { stores } = deps;
  /** `reload` reads the object again by natural key, bypassing what the import has seen so far. */
  async function upsert<T extends Entity>(
    kind: BootstrapKind,
    repository: Repository<T>,
    found: T | undefined,
    desired: Draft<T>,
    reload: () => Promise<T | undefined>,
  ): Promise<T> {
    let stored = found;
    if (!stored) {
      try {
        const created = await repository.create(desired);
        summary.created[kind]++;
        return created;
      } catch (error) {
        // Instances started together import the same file: another one created it since we looked.
        stored = error instanceof ConflictError ? await reload() : undefined;
        if (!stored) throw error;
      }
    }
    const patch = changedFields(stored, desired);
    if (!patch) {
      summary.unchanged[kind]++;
      return stored;
    }
    summary.updated[kind]++;
    return repository.update(stored.id, patch);
  }
  const orgId = async (slug: string) => (await world.organization(slug))!.id;

  for (const entry of doc.organizations ?? []) {
    const stored = await world.organization(entry.slug);
    const org = await upsert('organizations', stores.organizations, stored, organizationDraft(entry, stored),
      () => stores.organizations.findBySlug(entry.slug));
    world.remember(keys.organization(entry.slug), org);
  }
  const verify = deps.verifyPassword ?? verifyPassword;
  for (const entry of doc.users ?? []) {
    const stored = await world.user(entry.email);
    const user = await upsert('users', stores.users, stored, await userDraft(entry, stored, deps.hashPassword, verify),
      () => stores.users.findByEmail(entry.email));
    world.remember(keys.user(entry.email), user);
  }
  for (const entry of doc.groups ?? []) {
    const [stored, id] = [await world.group(entry.org, entry.name), await orgId(entry.org)];
    const group = await upsert('groups', stores.groups, stored, groupDraft(entry, id, stored), () => stores.groups.findByName(id, entry.name));
    world.remember(keys.group(entry.org, entry.name), group);
  }
  for (const entry of doc.connections ?? []) {
    // Connections have no unique key in the store: two instances racing on a new one may both create it.
    const stored = await world.connection(entry.org, entry.name);
    const connection = await upsert('connections', stores.connections, stored, connectionDraft(entry, await orgId(entry.org), stored), async () => undefined);
    world.remember(keys.connection(entry.org, entry.name), connection);
  }
  for (const entry of doc.clients ?? []) {
    const stored = await world.client(entry.clientId);
    const allowed = entry.allowedOrganizations && await Promise.all(entry.allowedOrganizations.map(orgId));
    await upsert('clients', stores.clients, stored, clientDraft(entry, allowed, stored), () => stores.clients.find(entry.clientId));
  }
  for (const entry of doc.memberships ?? []) {
    const stored = await world.membership(entry.org, entry.user);
    const groupIds = entry.groups && await Promise.all(entry.groups.map(async (name) => (await world.group(entry.org, name))!.id));
    const [id, userId] = [await orgId(entry.org), (await world.user(entry.user))!.id];
    await upsert('memberships', stores.memberships, stored, membershipDraft(entry, id, userId, groupIds, stored),
      () => stores.memberships.findFor(id, userId));
  }
  return summary;
}

function emptySummary(): BootstrapSummary {
  const counts = () => Object.fromEntries(BOOTSTRAP_KINDS.map((kind) => [kind, 0])) as BootstrapCounts;
  return { created: counts(), updated: counts(), unchanged: counts() };
}

/** The fields of `desired` whose value differs from the stored one, or undefined when none does. */
function changedFields<T extends Entity>(stored: T, desired: Draft<T>): Patch<T> | undefined {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(desired)) {
    if (key !== 'id' && canonical(value) !== canonical((stored as Record<string, unknown>)[key])) patch[key] = value;
  }
  return Object.keys(patch).length > 0 ? (patch as Patch<T>) : undefined;
}

/** JSON with object keys sorted: equal values give equal text whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v)) ?? 'undefined';
}

/** Drops undefined fields, so that spreading a partial entry does not erase stored values. */
function given<T extends object>(partial: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(partial ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function toBindings(entries: readonly RoleBindingEntry[]): RoleBinding[] {
  return entries.map((b) => (typeof b === 'string' ? { role: b }
    : b.scope ? { role: b.role, scope: { type: b.scope.type, ids: [...b.scope.ids] } } : { role: b.role }));
}

const DEFAULT_LIMITS: Organization['limits'] = { maxUsers: 5, maxGroups: 5 };
const DEFAULT_LOGIN_POLICY: Organization['loginPolicy'] = { methods: ['password'], googleHostedDomains: [], ownerPasswordFallback: false };

function organizationDraft(entry: OrganizationEntry, stored: Organization | undefined): Draft<Organization> {
  const domains = entry.domains?.map(({ domain, verified }): EmailDomain => {
    const previous = stored?.domains.find((d) => d.domain === domain);
    const state: EmailDomain = { ...previous, domain, verified: verified ?? previous?.verified ?? false };
    if (state.verified) state.verifiedAt = previous?.verifiedAt ?? new Date().toISOString();
    else delete state.verifiedAt;
    return state;
  });
  return {
    slug: entry.slug,
    name: entry.name,
    domains: domains ?? stored?.domains ?? [],
    loginPolicy: { ...(stored?.loginPolicy ?? DEFAULT_LOGIN_POLICY), ...given(entry.loginPolicy) },
    mfaPolicy: entry.mfaPolicy ?? stored?.mfaPolicy ?? 'optional',
    limits: { ...(stored?.limits ?? DEFAULT_LIMITS), ...given(entry.limits) },
  };
}

async function userDraft(
  entry: UserEntry,
  stored: User | undefined,
  hashPassword: BootstrapDeps['hashPassword'],
  verify: NonNullable<BootstrapDeps['verifyPassword']>,
): Promise<Draft<User>> {
  let passwordHash = entry.passwordHash ?? stored?.passwordHash ?? null;
  if (entry.password !== undefined && !(stored?.passwordHash && await verify(stored.passwordHash, entry.password))) {
    passwordHash = await hashPassword(entry.password);
  }
  return {
    email: entry.email,
    name: entry.name,
    passwordHash,
    emailVerified: entry.emailVerified ?? stored?.emailVerified ?? false,
    mfaOptIn: entry.mfaOptIn ?? stored?.mfaOptIn ?? false,
    status: entry.status ?? stored?.status ?? 'active',
    lastLoginAt: stored?.lastLoginAt ?? null,
  };
}

function groupDraft(entry: GroupEntry, orgId: string, stored: Group | undefined): Draft<Group> {
  return {
    orgId,
    name: entry.name,
    description: entry.description ?? stored?.description ?? '',
    roles: entry.roles ? toBindings(entry.roles) : stored?.roles ?? [],
  };
}

function membershipDraft(entry: MembershipEntry, orgId: string, userId: string, groupIds: string[] | undefined, stored: Membership | undefined): Draft<Membership> {
  return {
    orgId,
    userId,
    roles: entry.roles ? toBindings(entry.roles) : stored?.roles ?? [],
    groupIds: groupIds ?? stored?.groupIds ?? [],
    status: entry.status ?? stored?.status ?? 'active',
    source: stored?.source ?? 'bootstrap',
    loginMethods: entry.loginMethods ?? stored?.loginMethods ?? [],
  };
}

function clientAuthMethod(entry: ClientEntry, stored: Client | undefined): Client['tokenEndpointAuthMethod'] {
  return entry.tokenEndpointAuthMethod ?? stored?.tokenEndpointAuthMethod ?? (entry.clientSecret === undefined ? 'none' : 'client_secret_basic');
}

function clientDraft(entry: ClientEntry, allowedOrgIds: string[] | undefined, stored: Client | undefined): Draft<Client> {
  const method = clientAuthMethod(entry, stored);
  const usesSecret = method === 'client_secret_basic' || method === 'client_secret_post';
  const secretHash = entry.clientSecret === undefined ? stored?.clientSecretHash ?? null : digestClientSecret(entry.clientSecret);
  return {
    id: entry.clientId,
    name: entry.name,
    redirectUris: entry.redirectUris,
    postLogoutRedirectUris: entry.postLogoutRedirectUris ?? stored?.postLogoutRedirectUris ?? [],
    grantTypes: entry.grantTypes ?? stored?.grantTypes ?? ['authorization_code'],
    tokenEndpointAuthMethod: method,
    clientSecretHash: usesSecret ? secretHash : null,
    firstParty: entry.firstParty ?? stored?.firstParty ?? false,
    allowedOrgIds: allowedOrgIds ?? stored?.allowedOrgIds ?? [],
    idTokenSignedResponseAlg: entry.idTokenSignedResponseAlg ?? stored?.idTokenSignedResponseAlg ?? 'RS256',
  };
}

function connectionDraft(entry: ConnectionEntry, orgId: string, stored: Connection | undefined): Draft<Connection> {
  return {
    orgId,
    kind: entry.kind,
    name: entry.name,
    enabled: entry.enabled ?? stored?.enabled ?? false,
    settings: entry.settings ?? stored?.settings ?? {},
    mapping: entry.mapping ?? stored?.mapping ?? {},
    jit: { ...(stored?.jit ?? { enabled: false, defaultRoles: [] }), ...given(entry.jit) },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Stored objects by natural key, each looked up once; objects written by the import are remembered.

interface World {
  organization(slug: string): Promise<Organization | undefined>;
  user(email: string): Promise<User | undefined>;
  group(orgSlug: string, name: string): Promise<Group | undefined>;
  membership(orgSlug: string, email: string): Promise<Membership | undefined>;
  client(clientId: string): Promise<Client | undefined>;
  connection(orgSlug: string, name: string): Promise<Connection | undefined>;
  remember(key: string, value: Entity): void;
}

function createWorld(stores: Stores): World {
  const cache = new Map<string, Promise<unknown>>();
  function memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    let hit = cache.get(key) as Promise<T> | undefined;
    if (!hit) cache.set(key, hit = load());
    return hit;
  }
  const organization = (slug: string) => memo(keys.organization(slug), () => stores.organizations.findBySlug(slug));
  const user = (email: string) => memo(keys.user(email), () => stores.users.findByEmail(email));
  return {
    organization,
    user,
    async group(slug, name) {
      const org = await organization(slug);
      return org && memo(keys.group(slug, name), () => stores.groups.findByName(org.id, name));
    },
    async membership(slug, email) {
      const [org, member] = await Promise.all([organization(slug), user(email)]);
      return org && member && memo(`membership/${org.id}/${member.id}`, () => stores.memberships.findFor(org.id, member.id));
    },
    client: (clientId) => memo(`client/${clientId}`, () => stores.clients.find(clientId)),
    async connection(slug, name) {
      const org = await organization(slug);
      if (!org) return undefined;
      await memo(`connections/${org.id}`, async () => {
        for (let cursor: string | undefined, first = true; first || cursor; first = false) {
          const page = await stores.connections.list({ where: { orgId: org.id }, limit: 500, ...(cursor ? { cursor } : {}) });
          for (const c of page.items) memo(keys.connection(slug, c.name), async () => c);
          cursor = page.next;
        }
      });
      return memo(keys.connection(slug, name), async () => undefined);
    },
    remember(key, value) {
      cache.set(key, Promise.resolve(value));
    },
  };
}

const keys = {
  organization: (slug: string) => `organization/${normalizeName(slug)}`,
  user: (email: string) => `user/${normalizeEmail(email)}`,
  group: (slug: string, name: string) => `group/${orgScopedKey(slug, name)}`,
  connection: (slug: string, name: string) => `connection/${orgScopedKey(slug, name)}`,
};
