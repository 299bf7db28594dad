import { z } from 'zod';
import { ConflictError, ValidationError } from '../common/errors.ts';
import { issueProblems, type Problem } from '../common/problems.ts';
import type { Catalog } from './catalog.ts';
import { LOGIN_METHODS, type LoginMethod, type RoleBinding } from './model.ts';
import { bindingProblems } from './permissions.ts';

/*
 * Input validation shared by the services. Every operation parses its input with a zod schema (exported, so
 * the admin API can reuse it for requests and OpenAPI); a failure is a ValidationError whose details name the
 * field paths as `roles[0].scope.ids`.
 */

export const idSchema = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be an id').describe('Object id.');

export const emailSchema = z.string().trim().max(254).pipe(z.email('must be an email address'))
  .describe('Email address; compared case-insensitively.');

export const roleBindingSchema = z.strictObject({
  role: z.string().min(1).max(64).describe('Role id from the catalog, e.g. `developer`.'),
  scope: z.strictObject({
    type: z.string().min(1).max(64).describe('Resource type, e.g. `source`.'),
    ids: z.array(z.string().min(1).max(128)).max(500).describe('Resource ids.'),
  }).optional().describe('Limits the role to these resources (the seeds\' "source-specific" roles).'),
}).describe('A role, optionally limited to some resources.');

export const roleBindingsSchema = z.array(roleBindingSchema).max(100);

export const loginMethodsSchema = z.array(z.enum(LOGIN_METHODS as [LoginMethod, ...LoginMethod[]])).max(LOGIN_METHODS.length)
  .refine((methods) => new Set(methods).size === methods.length, 'must not list a method twice')
  .describe('Login methods this member may use, within the organisation\'s policy; empty = whatever the policy allows.');

export const groupIdsSchema = z.array(idSchema).max(100)
  .refine((ids) => new Set(ids).size === ids.length, 'must not list a group twice');

export const pageSchema = {
  cursor: z.string().min(1).max(512).optional().describe('The `next` cursor of the previous page.'),
  limit: z.number().int().min(1).max(500).optional().describe('Page size, 1..500 (default 50).'),
};

export interface Page<T> {
  items: T[];
  /** Cursor of the next page; absent on the last page. */
  next?: string;
}

/** Parses `value`, or throws a ValidationError naming every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidInput(parsed.error.issues.flatMap((issue) => issueProblems(issue)));
}

export function invalidInput(problems: readonly Problem[]): ValidationError {
  return new ValidationError(`invalid input: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
}

/** Role bindings checked against the catalog (unknown role, scope the role refuses), paths under `field`. */
export function assertValidBindings(catalog: Catalog, bindings: readonly RoleBinding[], field: string): void {
  const problems = bindingProblems(catalog, bindings).map((p) => ({ path: `${field}${p.path}`, message: p.message }));
  if (problems.length > 0) throw invalidInput(problems);
}

/** Login methods must be ones the organisation's policy allows. */
export function assertAllowedMethods(allowed: readonly LoginMethod[], methods: readonly LoginMethod[], field: string): void {
  const problems = methods.flatMap((method, i) => (allowed.includes(method)
    ? []
    : [{ path: `${field}[${i}]`, message: `"${method}" is not allowed by the organization's login policy` }]));
  if (problems.length > 0) throw invalidInput(problems);
}

/** Drops the scope key when absent, so stored bindings compare equal whatever the caller sent. */
export function cleanBindings(bindings: readonly RoleBinding[]): RoleBinding[] {
  return bindings.map((b) => (b.scope ? { role: b.role, scope: { type: b.scope.type, ids: [...b.scope.ids] } } : { role: b.role }));
}

/** A ConflictError with a sentence of its own (the class words it "<what> already exists"). */
export function conflict(what: string, key: string, message: string): ConflictError {
  const error = new ConflictError(what, key);
  error.message = message;
  return error;
}
