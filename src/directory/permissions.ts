import { ValidationError } from '../common/errors.ts';
import { issueProblems, type Problem } from '../common/problems.ts';
import { catalogSchema, type Catalog, type RoleDefinition } from './catalog.ts';
import type { RoleBinding } from './model.ts';

/*
 * Role bindings -> permissions, over a catalog. Pure functions, no I/O.
 *
 * The expansion of a role R (cycle-safe: a role already being expanded contributes nothing the second time):
 *
 *   granted(R)   = closure(direct(R) ∪ ⋃ expand(C) for C in R.includes)
 *   forbidden(R) = { P | closure({P}) ∩ R.excludes ≠ ∅ }    (each excluded permission and all that imply it)
 *   expand(R)    = granted(R) − forbidden(R)
 *
 * where direct(R) is R.permissions (every permission when R.allPermissions) and closure() follows `implies`
 * transitively. Removing the permissions that imply an excluded one keeps the result closed under implication:
 * if Q remained and Q implied some forbidden Z, Q would imply an excluded permission and be forbidden itself. So
 * re-closing an expansion never brings an excluded permission back (admin excludes `billing:read`, hence also
 * `billing:manage`, which implies it).
 *
 * Exclusions belong to the role that declares them: they shape what that role is, they are not deny rules. A
 * role composed of `admin` gets admin's expansion and may add an excluded permission back through another
 * constituent, and a member bound to both `admin` and `accountant` holds billing through `accountant`.
 *
 * A binding limited to resources (`{ role, scope: { type: 'source', ids } }`) gives the role's permissions on
 * those resources only, never globally. Scoped grants that a global grant already covers are dropped.
 */

export type { Problem };

export interface ScopedPermission {
  permission: string;
  scope: { type: string; ids: string[] };
}

export interface Expansion {
  /** Roles bound directly (scoped or not), without the roles they are composed of; sorted. */
  roles: string[];
  /** Permissions held on everything; sorted, closed under implication. */
  permissions: string[];
  /** Permissions held on some resources only; sorted by permission then scope type, ids sorted. */
  scoped: ScopedPermission[];
}

interface CompiledCatalog {
  permissionIds: readonly string[];
  roles: ReadonlyMap<string, RoleDefinition>;
  scopeTypes: ReadonlyMap<string, readonly string[]>;
  /** Permission -> itself and everything it implies, transitively. */
  closure: ReadonlyMap<string, ReadonlySet<string>>;
  /** Permission -> itself and every permission that implies it, transitively. */
  impliedBy: ReadonlyMap<string, ReadonlySet<string>>;
  expansions: Map<string, ReadonlySet<string>>;
}

// Catalogs are treated as immutable values; compiling one is memoised per object.
const compiled = new WeakMap<Catalog, CompiledCatalog>();

function compile(catalog: Catalog): CompiledCatalog {
  const cached = compiled.get(catalog);
  if (cached) return cached;
  const implies = new Map(catalog.permissions.map((p) => [p.id, p.implies]));
  const closure = new Map<string, Set<string>>();
  const impliedBy = new Map<string, Set<string>>(catalog.permissions.map((p) => [p.id, new Set<string>()]));
  for (const { id } of catalog.permissions) {
    const reached = reach(id, (p) => implies.get(p) ?? []);
    closure.set(id, reached);
    for (const implied of reached) impliedBy.get(implied)?.add(id);
  }
  const result: CompiledCatalog = {
    permissionIds: catalog.permissions.map((p) => p.id),
    roles: new Map(catalog.roles.map((r) => [r.id, r])),
    scopeTypes: new Map(catalog.permissions.map((p) => [p.id, p.scopeTypes])),
    closure,
    impliedBy,
    expansions: new Map(),
  };
  compiled.set(catalog, result);
  return result;
}

/** Breadth-first: `start` and everything reachable from it (terminates on cycles). */
function reach(start: string, next: (node: string) => readonly string[]): Set<string> {
  const seen = new Set([start]);
  const queue = [start];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const to of next(node)) {
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

function expandRoleIn(c: CompiledCatalog, roleId: string, expanding: Set<string>): ReadonlySet<string> {
  const cached = c.expansions.get(roleId);
  if (cached) return cached;
  const role = c.roles.get(roleId);
  if (!role || expanding.has(roleId)) return new Set();
  expanding.add(roleId);
  const granted = new Set<string>();
  for (const permission of role.allPermissions ? c.permissionIds : role.permissions) {
    for (const p of c.closure.get(permission) ?? [permission]) granted.add(p);
  }
  for (const included of role.includes) {
    for (const p of expandRoleIn(c, included, expanding)) granted.add(p);
  }
  for (const excluded of role.excludes) {
    for (const p of c.impliedBy.get(excluded) ?? [excluded]) granted.delete(p);
  }
  expanding.delete(roleId);
  // A result computed while a cycle was cut short depends on where expansion started: memoise only clean ones.
  if (expanding.size === 0) c.expansions.set(roleId, granted);
  return granted;
}

/** The permissions a global binding of `roleId` grants, sorted. Unknown roles grant nothing. */
export function expandRole(catalog: Catalog, roleId: string): string[] {
  return [...expandRoleIn(compile(catalog), roleId, new Set())].sort();
}

/** Resource types a binding of this role may be limited to (as declared; validateCatalog checks them). */
function roleScopeTypes(c: CompiledCatalog, roleId: string): readonly string[] {
  return c.roles.get(roleId)?.scopeTypes ?? [];
}

/** What is wrong with these bindings under this catalog; paths are relative (`[2].scope.type`). */
export function bindingProblems(catalog: Catalog, bindings: readonly RoleBinding[]): Problem[] {
  const c = compile(catalog);
  const problems: Problem[] = [];
  bindings.forEach((binding, i) => {
    const role = c.roles.get(binding.role);
    if (!role) {
      problems.push({ path: `[${i}].role`, message: `unknown role "${binding.role}"` });
      return;
    }
    const accepted = roleScopeTypes(c, role.id);
    if (!binding.scope) {
      if (role.scopeRequired) {
        problems.push({ path: `[${i}].scope`, message: `role "${role.id}" must be limited to resources of type ${accepted.map((t) => `"${t}"`).join(' or ')}` });
      }
      return;
    }
    if (!accepted.includes(binding.scope.type)) {
      const allowed = accepted.length === 0 ? 'it is only granted globally' : `accepted: ${accepted.join(', ')}`;
      problems.push({ path: `[${i}].scope.type`, message: `role "${role.id}" cannot be limited to "${binding.scope.type}" (${allowed})` });
    }
    if (binding.scope.ids.length === 0) {
      problems.push({ path: `[${i}].scope.ids`, message: 'must list at least one resource id' });
    }
    binding.scope.ids.forEach((id, j) => {
      if (id.trim() === '') problems.push({ path: `[${i}].scope.ids[${j}]`, message: 'must not be empty' });
    });
  });
  return problems;
}

function assertBindings(catalog: Catalog, bindings: readonly RoleBinding[], what: string): void {
  const problems = bindingProblems(catalog, bindings).map((p) => ({ path: `${what}${p.path}`, message: p.message }));
  if (problems.length > 0) {
    throw new ValidationError(`invalid role bindings: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
  }
}

/**
 * Everything a set of role bindings grants. Deterministic: the result depends only on the set of bindings,
 * not on their order or repetition.
 * @throws ValidationError naming `bindings[i]...` when a binding names an unknown role or a scope the role refuses.
 */
export function expandBindings(catalog: Catalog, bindings: readonly RoleBinding[]): Expansion {
  assertBindings(catalog, bindings, 'bindings');
  const c = compile(catalog);
  const global = new Set<string>();
  const scoped = new Map<string, { permission: string; type: string; ids: Set<string> }>();
  for (const binding of bindings) {
    const permissions = expandRoleIn(c, binding.role, new Set());
    if (!binding.scope) {
      for (const p of permissions) global.add(p);
      continue;
    }
    for (const permission of permissions) {
      const key = `${permission}\u0000${binding.scope.type}`;
      const entry = scoped.get(key) ?? { permission, type: binding.scope.type, ids: new Set<string>() };
      for (const id of binding.scope.ids) entry.ids.add(id);
      scoped.set(key, entry);
    }
  }
  return {
    roles: [...new Set(bindings.map((b) => b.role))].sort(),
    permissions: [...global].sort(),
    scoped: [...scoped.values()]
      .filter((s) => !global.has(s.permission))
      .sort((a, b) => compareStrings(a.permission, b.permission) || compareStrings(a.type, b.type))
      .map((s) => ({ permission: s.permission, scope: { type: s.type, ids: [...s.ids].sort() } })),
  };
}

/**
 * Whether someone holding `granterBindings` may grant `bindingsToGrant`: every permission the grant gives must be
 * held by the granter, globally or (for a scoped grant) on at least the same resources. Nobody grants a role
 * or permission they do not hold.
 * @throws ValidationError when either list holds an invalid binding.
 */
export function canGrant(catalog: Catalog, granterBindings: readonly RoleBinding[], bindingsToGrant: readonly RoleBinding[]): boolean {
  assertBindings(catalog, bindingsToGrant, 'bindingsToGrant');
  const held = expandBindings(catalog, granterBindings);
  const heldGlobally = new Set(held.permissions);
  const wanted = expandBindings(catalog, bindingsToGrant);
  if (!wanted.permissions.every((p) => heldGlobally.has(p))) return false;
  return wanted.scoped.every((want) => heldGlobally.has(want.permission) || held.scoped.some((has) =>
    has.permission === want.permission && has.scope.type === want.scope.type && want.scope.ids.every((id) => has.scope.ids.includes(id))));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Parses and checks a catalog: shape (zod), then unknown references, duplicates, implication and composition
 * cycles (errors: a cycle makes its members equivalent, which is never what was meant), exclusions that
 * contradict the role's own permissions, and scope types some permission of the role cannot be limited to.
 * @throws ValidationError listing every problem by path (`roles[3].includes[1]: unknown role "dev"`).
 */
export function validateCatalog(input: unknown): Catalog {
  const parsed = catalogSchema.safeParse(input);
  const problems: Problem[] = parsed.success ? catalogProblems(parsed.data) : parsed.error.issues.flatMap((issue) => issueProblems(issue));
  if (problems.length > 0 || !parsed.success) {
    throw new ValidationError(`invalid roles & permissions catalog:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`, problems);
  }
  return parsed.data;
}


/** The cross-reference problems of a well-shaped catalog (see validateCatalog). */
export function catalogProblems(catalog: Catalog): Problem[] {
  const problems: Problem[] = [];
  const permissionAt = firstIndex(catalog.permissions.map((p) => p.id), 'permissions', 'permission', problems);
  const roleAt = firstIndex(catalog.roles.map((r) => r.id), 'roles', 'role', problems);

  catalog.permissions.forEach((permission, i) => {
    checkList(permission.implies, `permissions[${i}].implies`, permissionAt, 'permission', problems);
  });
  findCycles(catalog.permissions.map((p) => ({ id: p.id, edges: p.implies })), permissionAt, 'implies', 'permissions', 'implication', problems);

  catalog.roles.forEach((role, i) => {
    checkList(role.permissions, `roles[${i}].permissions`, permissionAt, 'permission', problems);
    checkList(role.includes, `roles[${i}].includes`, roleAt, 'role', problems);
    checkList(role.excludes, `roles[${i}].excludes`, permissionAt, 'permission', problems);
  });
  findCycles(catalog.roles.map((r) => ({ id: r.id, edges: r.includes })), roleAt, 'includes', 'roles', 'composition', problems);
  if (problems.length > 0) return problems; // the checks below need a sound graph

  const c = compile(catalog);
  catalog.roles.forEach((role, i) => checkRole(c, role, i, problems));
  return problems;
}

function checkRole(c: CompiledCatalog, role: RoleDefinition, i: number, problems: Problem[]): void {
  role.excludes.forEach((excluded, k) => {
    const granting = role.permissions.find((p) => c.closure.get(p)?.has(excluded));
    if (granting !== undefined) {
      const how = granting === excluded ? 'granted' : `implied by "${granting}"`;
      problems.push({ path: `roles[${i}].excludes[${k}]`, message: `"${excluded}" is excluded but ${how} in this role's own permissions` });
    }
  });
  if (role.scopeRequired && role.scopeTypes.length === 0) {
    problems.push({ path: `roles[${i}].scopeRequired`, message: 'a role that must be limited to resources needs at least one scope type' });
  }
  const permissions = expandRoleIn(c, role.id, new Set());
  role.scopeTypes.forEach((type, k) => {
    const refusing = [...permissions].sort().filter((p) => !(c.scopeTypes.get(p) ?? []).includes(type));
    if (refusing.length > 0) {
      const which = `permission${refusing.length > 1 ? 's' : ''} ${refusing.map((p) => `"${p}"`).join(', ')}`;
      problems.push({ path: `roles[${i}].scopeTypes[${k}]`, message: `${which} of this role cannot be limited to "${type}"` });
    }
  });
}

/** id -> index of its first definition; later definitions are reported as duplicates. */
function firstIndex(ids: readonly string[], list: string, noun: string, problems: Problem[]): Map<string, number> {
  const at = new Map<string, number>();
  ids.forEach((id, i) => {
    const first = at.get(id);
    if (first === undefined) at.set(id, i);
    else problems.push({ path: `${list}[${i}].id`, message: `duplicate ${noun} "${id}" (first defined at ${list}[${first}])` });
  });
  return at;
}

function checkList(ids: readonly string[], path: string, known: ReadonlyMap<string, number>, noun: string, problems: Problem[]): void {
  ids.forEach((id, k) => {
    if (!known.has(id)) problems.push({ path: `${path}[${k}]`, message: `unknown ${noun} "${id}"` });
    else if (ids.indexOf(id) !== k) problems.push({ path: `${path}[${k}]`, message: `"${id}" is listed twice` });
  });
}

/** Depth-first search; each back edge is one cycle, reported where that edge is declared. */
function findCycles(
  nodes: readonly { id: string; edges: readonly string[] }[],
  at: ReadonlyMap<string, number>,
  field: string,
  list: string,
  kind: string,
  problems: Problem[],
): void {
  const edges = new Map(nodes.map((n) => [n.id, n.edges]));
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  function visit(id: string): void {
    state.set(id, 'active');
    stack.push(id);
    (edges.get(id) ?? []).forEach((to, k) => {
      if (state.get(to) === 'active') {
        const cycle = [...stack.slice(stack.indexOf(to)), to].join(' -> ');
        problems.push({ path: `${list}[${at.get(id) ?? -1}].${field}[${k}]`, message: `${kind} cycle: ${cycle}` });
      } else if (state.get(to) === undefined && edges.has(to)) {
        visit(to);
      }
    });
    stack.pop();
    state.set(id, 'done');
  }
  for (const node of nodes) if (state.get(node.id) === undefined) visit(node.id);
}
