import type { Entity, Repository } from '../common/entity.ts';
import { ForbiddenError, NotFoundError } from '../common/errors.ts';
import type { Actor } from './actor.ts';
import type { Catalog } from './catalog.ts';
import type { DirectoryStores } from './context.ts';
import { assertValidBindings } from './input.ts';
import type { Membership, RoleBinding } from './model.ts';
import { bindingProblems, canGrant, expandBindings } from './permissions.ts';

/*
 * Who may do what, checked the same way whatever the entry point:
 * - an actor is rebuilt from the store on every request: a suspended or removed member, a removed role or a
 *   revoked key stops working at once, not when a token expires
 * - permissions come from the membership's roles plus its groups' roles (a user), or the key's roles (an API key)
 * - anything of another organisation is "not found" (404), never "forbidden": its existence is not revealed
 * - nobody changes their own membership, grants what they do not hold, or manages a member who holds more
 */

export const OWNER_ROLE = 'owner';

export interface ActorInput {
  kind: 'user' | 'apikey';
  /** User id or API key id. */
  id: string;
  orgId: string;
  requestId?: string;
  ip?: string;
}

type AccessDeps = { stores: Pick<DirectoryStores, 'users' | 'memberships' | 'groups' | 'apiKeys'>; catalog: Catalog };

/** The actor, or undefined when it may not act in that organisation (no active membership, disabled user, revoked key). */
export async function buildActor(deps: AccessDeps, input: ActorInput): Promise<Actor | undefined> {
  const context = { ...(input.requestId ? { requestId: input.requestId } : {}), ...(input.ip ? { ip: input.ip } : {}) };
  let bindings: RoleBinding[];
  if (input.kind === 'apikey') {
    const key = await deps.stores.apiKeys.find(input.id);
    if (!key || key.orgId !== input.orgId || key.revokedAt !== null) return undefined;
    bindings = key.roles;
  } else {
    const membership = await deps.stores.memberships.findFor(input.orgId, input.id);
    if (!membership || membership.status !== 'active') return undefined;
    const user = await deps.stores.users.find(input.id);
    if (!user || user.status !== 'active') return undefined;
    bindings = await effectiveBindings(deps.stores, membership);
  }
  const usable = usableBindings(deps.catalog, bindings);
  const permissions = new Set(expandBindings(deps.catalog, usable).permissions);
  return { kind: input.kind, id: input.id, orgId: input.orgId, bindings: usable, permissions, ...context };
}

/** The CLI's and bootstrap's actor: every role of the catalog that can be bound globally, so it holds everything. */
export function systemActor(catalog: Catalog, orgId: string, context: { requestId?: string } = {}): Actor {
  const bindings = catalog.roles.filter((r) => !r.scopeRequired).map((r) => ({ role: r.id }));
  return { kind: 'system', id: 'system', orgId, bindings, permissions: new Set(expandBindings(catalog, bindings).permissions), ...context };
}

/** A membership's own role bindings plus those of its groups (groups of other organisations are ignored). */
export async function effectiveBindings(stores: Pick<DirectoryStores, 'groups'>, membership: Membership): Promise<RoleBinding[]> {
  if (membership.groupIds.length === 0) return [...membership.roles];
  const groups = await stores.groups.list({ where: { orgId: membership.orgId, id: { $in: membership.groupIds } }, limit: 500 });
  return [...membership.roles, ...groups.items.flatMap((g) => g.roles)];
}

/** Bindings the catalog still accepts; a role removed from the catalog since it was bound grants nothing. */
export function usableBindings(catalog: Catalog, bindings: readonly RoleBinding[]): RoleBinding[] {
  return bindings.filter((binding) => bindingProblems(catalog, [binding]).length === 0);
}

/** @throws ForbiddenError('forbidden') */
export function requirePermission(actor: Actor, permission: string): void {
  if (!actor.permissions.has(permission)) {
    throw new ForbiddenError('forbidden', `This action requires the "${permission}" permission`);
  }
}

export function holdsOwnerRole(bindings: readonly RoleBinding[]): boolean {
  return bindings.some((b) => b.role === OWNER_ROLE && !b.scope);
}

/** The seeds: "only the owner can access API keys". Keys themselves never manage keys. */
export function requireOwner(actor: Actor, what: string): void {
  if (actor.kind === 'system') return;
  if (actor.kind !== 'user' || !holdsOwnerRole(actor.bindings)) {
    throw new ForbiddenError('forbidden', `Only the owner can ${what}`);
  }
}

/** The seeds: "it is only possible to modify users other than yourself". @throws ForbiddenError('self_modification') */
export function assertNotSelf(actor: Actor, userId: string): void {
  if (actor.kind === 'user' && actor.id === userId) {
    throw new ForbiddenError('self_modification', 'You cannot change your own roles, groups, status or membership');
  }
}

/**
 * Nobody grants a role or permission they do not hold (the grant is checked against the catalog first).
 * @throws ValidationError naming `field[i]...`; ForbiddenError('privilege_escalation')
 */
export function assertCanGrant(catalog: Catalog, actor: Actor, bindings: readonly RoleBinding[], field: string): void {
  assertValidBindings(catalog, bindings, field);
  if (!canGrant(catalog, actor.bindings, bindings)) {
    throw new ForbiddenError('privilege_escalation', 'You cannot grant a role or permission you do not hold yourself');
  }
}

/**
 * Nobody changes the membership of someone holding more than they do (an account admin cannot suspend, remove or
 * demote the owner): the actor must be able to grant every role the member has, directly or through groups.
 * @throws ForbiddenError('privilege_escalation')
 */
export async function assertCanManageMember(ctx: AccessDeps, actor: Actor, membership: Membership): Promise<void> {
  const held = usableBindings(ctx.catalog, await effectiveBindings(ctx.stores, membership));
  if (!canGrant(ctx.catalog, actor.bindings, held)) {
    throw new ForbiddenError('privilege_escalation', 'You cannot manage a member who holds roles or permissions you do not hold');
  }
}

/** The object, if it belongs to the organisation; otherwise NotFoundError, as if it did not exist. */
export async function findInOrganization<T extends Entity & { orgId: string | null }>(
  repository: Repository<T>,
  id: string,
  orgId: string,
  noun: string,
): Promise<T> {
  const found = await repository.find(id);
  if (!found || found.orgId !== orgId) throw new NotFoundError(noun);
  return found;
}

/** The membership of `userId` in the organisation. @throws NotFoundError('member') */
export async function findMember(stores: Pick<DirectoryStores, 'memberships'>, orgId: string, userId: string): Promise<Membership> {
  const membership = await stores.memberships.findFor(orgId, userId);
  if (!membership) throw new NotFoundError('member');
  return membership;
}
