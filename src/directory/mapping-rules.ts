import { z } from 'zod';
import { ValidationError } from '../common/errors.ts';
import { issueProblems } from '../common/problems.ts';
import { OWNER_ROLE } from './access.ts';
import { roleBindingSchema } from './input.ts';
import type { RoleBinding } from './model.ts';

/*
 * Rules that turn what an IdP says about a person into Bridgekeeper groups and roles (the seeds: "adding users
 * to user groups through organisations" — by group, but also department, organisation or any attribute):
 * - a rule matches when the named attribute (`groups` = the identity's groups) holds `equals` exactly, or,
 *   with `match: 'ignore-case'`, the same text in another case; exact by default, because IdP group names are
 *   identifiers and a looser match grants more than the admin wrote
 * - a matching rule adds its groups (by name) and roles
 * - what a connection's rules can grant is "managed" by the connection: at each sign-in through it, managed
 *   groups and roles the person no longer matches are taken away; groups and roles no rule names are left to
 *   the admins
 */

/** The owner role is given directly, by an owner: never by an IdP through a connection's rules or default roles. */
export const NOT_BY_CONNECTION = 'the owner role is given directly, by an owner, never through a connection';

export const mappingRuleSchema = z.strictObject({
  attribute: z.string().trim().min(1).max(512).describe('`groups` for the IdP\'s groups, or any attribute name the IdP sends (e.g. `department`).'),
  equals: z.string().min(1).max(512).describe('The value that matches.'),
  match: z.enum(['exact', 'ignore-case']).default('exact').describe('How values compare; exact unless stated.'),
  groups: z.array(z.string().trim().min(1).max(64)).max(20).default([]).describe('Bridgekeeper groups (by name) the person joins.'),
  roles: z.array(roleBindingSchema.refine((binding) => binding.role !== OWNER_ROLE, { message: NOT_BY_CONNECTION }))
    .max(20).default([]).describe('Roles the person gets (never `owner`).'),
}).refine((rule) => rule.groups.length + rule.roles.length > 0, { message: 'a rule must give groups or roles', path: ['groups'] })
  .describe('If the IdP says `attribute` = `equals`, the person gets these groups and roles.');

export const mappingRulesSchema = z.array(mappingRuleSchema).max(200);

export type MappingRule = z.output<typeof mappingRuleSchema>;

export interface MappedAccess {
  /** Group names the person matches now. */
  groups: string[];
  roles: RoleBinding[];
  /** Every group name and role id the rules can grant: what a sign-in may also take away. */
  managedGroups: string[];
  managedRoles: string[];
}

/** @throws ValidationError naming each problem under `mapping.rules`. */
export function parseMappingRules(input: unknown): MappingRule[] {
  const parsed = mappingRulesSchema.safeParse(input ?? []);
  if (parsed.success) return parsed.data;
  throw new ValidationError('Invalid mapping rules', parsed.error.issues.flatMap((issue) => issueProblems(issue, ['mapping', 'rules'])));
}

/**
 * A connection's rules as stored, for sign-in: an `owner` role that a connection stored before rules could not
 * name it still names is left out (as provisioning would anyway), rather than failing every sign-in through it.
 * @throws ValidationError as parseMappingRules, for anything else.
 */
export function storedMappingRules(input: unknown): MappingRule[] {
  if (!Array.isArray(input)) return parseMappingRules(input);
  const isOwner = (binding: unknown) => typeof binding === 'object' && binding !== null && (binding as { role?: unknown }).role === OWNER_ROLE;
  const kept = input.flatMap((rule: unknown) => {
    const roles = (rule as { roles?: unknown } | null)?.roles;
    if (!Array.isArray(roles) || !roles.some(isOwner)) return [rule];
    const left = { ...(rule as object), roles: roles.filter((binding) => !isOwner(binding)) };
    const groups = (rule as { groups?: unknown }).groups;
    return left.roles.length > 0 || (Array.isArray(groups) && groups.length > 0) ? [left] : [];
  });
  return parseMappingRules(kept);
}

function values(identity: { groups: readonly string[]; attributes: Record<string, readonly string[]> }, attribute: string): readonly string[] {
  return attribute === 'groups' ? identity.groups : identity.attributes[attribute] ?? [];
}

function matches(rule: MappingRule, candidates: readonly string[]): boolean {
  if (rule.match === 'exact') return candidates.includes(rule.equals);
  const wanted = rule.equals.toLowerCase();
  return candidates.some((value) => value.toLowerCase() === wanted);
}

const bindingKey = (b: RoleBinding) => JSON.stringify([b.role, b.scope?.type ?? null, [...(b.scope?.ids ?? [])].sort()]);

export function applyMappingRules(
  rules: readonly MappingRule[],
  identity: { groups: readonly string[]; attributes: Record<string, readonly string[]> },
): MappedAccess {
  const groups = new Map<string, string>();
  const roles = new Map<string, RoleBinding>();
  for (const rule of rules) {
    if (!matches(rule, values(identity, rule.attribute))) continue;
    for (const name of rule.groups) groups.set(name.toLowerCase(), name);
    for (const binding of rule.roles) roles.set(bindingKey(binding), binding);
  }
  return {
    groups: [...groups.values()],
    roles: [...roles.values()],
    managedGroups: [...new Set(rules.flatMap((r) => r.groups))],
    managedRoles: [...new Set(rules.flatMap((r) => r.roles.map((b) => b.role)))],
  };
}
