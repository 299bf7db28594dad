import type { Draft, Entity, Patch, Repository } from '../../common/entity.ts';
import { ConflictError } from '../../common/errors.ts';
import { verifyPassword } from '../../directory/passwords.ts';
import type { Stores } from '../../store/stores.ts';
import { clientDraft, connectionDraft, groupDraft, membershipDraft, organizationDraft, userDraft } from './drafts.ts';
import type { BootstrapDocument } from './schema.ts';
import { worldKeys, type World } from './world.ts';

/*
 * Writes a checked document, counting what it did:
 * - dependency order: organisations, users, groups, connections, clients, memberships
 * - a missing object is created, a differing one updated with the fields that differ, an equal one left alone
 *   (no write, no version bump); nothing is deleted
 * - a create that loses a race with another instance (ConflictError) reads the winner's object and compares
 *   with it instead
 */

export const BOOTSTRAP_KINDS = ['organizations', 'users', 'groups', 'memberships', 'clients', 'connections'] as const;
export type BootstrapKind = typeof BOOTSTRAP_KINDS[number];
export type BootstrapCounts = Record<BootstrapKind, number>;

export interface BootstrapSummary {
  created: BootstrapCounts;
  updated: BootstrapCounts;
  unchanged: BootstrapCounts;
}

export interface ApplyDeps {
  stores: Stores;
  hashPassword: (plain: string) => Promise<string>;
  verifyPassword?: (hash: string, plain: string) => Promise<boolean>;
}

export async function applyDocument(deps: ApplyDeps, doc: BootstrapDocument, world: World): Promise<BootstrapSummary> {
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
    world.remember(worldKeys.organization(entry.slug), org);
  }
  const verify = deps.verifyPassword ?? verifyPassword;
  for (const entry of doc.users ?? []) {
    const stored = await world.user(entry.email);
    const user = await upsert('users', stores.users, stored, await userDraft(entry, stored, deps.hashPassword, verify),
      () => stores.users.findByEmail(entry.email));
    world.remember(worldKeys.user(entry.email), user);
  }
  for (const entry of doc.groups ?? []) {
    const [stored, id] = [await world.group(entry.org, entry.name), await orgId(entry.org)];
    const group = await upsert('groups', stores.groups, stored, groupDraft(entry, id, stored), () => stores.groups.findByName(id, entry.name));
    world.remember(worldKeys.group(entry.org, entry.name), group);
  }
  for (const entry of doc.connections ?? []) {
    // Connections have no unique key in the store: two instances racing on a new one may both create it.
    const stored = await world.connection(entry.org, entry.name);
    const connection = await upsert('connections', stores.connections, stored, connectionDraft(entry, await orgId(entry.org), stored), async () => undefined);
    world.remember(worldKeys.connection(entry.org, entry.name), connection);
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
