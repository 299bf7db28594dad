import type { Catalog } from '../../src/directory/catalog.ts';
import type { RoleBinding } from '../../src/directory/model.ts';
import type { Choice } from './fields.ts';

/* Role and group pickers: roles by the catalog's labels; roles limited to resources are shown, not picked. */

export function roleChoices(catalog: Catalog, selected: readonly RoleBinding[] | readonly string[]): Choice[] {
  const chosen = new Set(selected.map((b) => (typeof b === 'string' ? b : b.scope ? '' : b.role)));
  return catalog.roles.filter((role) => !role.scopeRequired).map((role) => ({ value: role.id, label: role.label, checked: chosen.has(role.id) }));
}

export function groupChoices(groups: readonly { id: string; name: string }[], selected: readonly string[]): Choice[] {
  return groups.map((g) => ({ value: g.id, label: g.name, checked: selected.includes(g.id) }));
}

/** `Developer, Source viewer (source: a, b)`. */
export function describeRoles(catalog: Catalog, bindings: readonly RoleBinding[]): string {
  const label = (id: string) => catalog.roles.find((r) => r.id === id)?.label ?? id;
  return bindings.map((b) => (b.scope ? `${label(b.role)} (${b.scope.type}: ${b.scope.ids.join(', ')})` : label(b.role))).join(', ');
}

export function groupNames(groups: readonly { id: string; name: string }[], ids: readonly string[]): string {
  return ids.map((id) => groups.find((g) => g.id === id)?.name ?? id).join(', ');
}

/** Roles that may be limited to resources, and the resource types they accept: the picker of a scoped role. */
export function scopedRoleOptions(catalog: Catalog): { roles: { value: string; label: string }[]; types: { value: string; label: string }[] } {
  const roles = catalog.roles.filter((role) => role.scopeTypes.length > 0);
  const types = [...new Set(roles.flatMap((role) => role.scopeTypes))];
  return { roles: roles.map((role) => ({ value: role.id, label: role.label })), types: types.map((type) => ({ value: type, label: type })) };
}
