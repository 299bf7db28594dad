import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../../common/errors.ts';
import type { Catalog } from '../../directory/catalog.ts';
import type { Problem } from '../../common/problems.ts';
import type { Stores } from '../../store/stores.ts';
import { applyDocument, type BootstrapSummary } from './apply.ts';
import { checkReferences } from './checks.ts';
import { parseBootstrapDocument } from './schema.ts';
import { createWorld } from './world.ts';

export { BOOTSTRAP_KINDS, type BootstrapCounts, type BootstrapKind, type BootstrapSummary } from './apply.ts';

/*
 * Imports a bootstrap document (see schema.ts):
 * - the whole document is checked first, shape (zod) then references against the file and the store, roles
 *   against the catalog, plan limits (checks.ts, limits.ts); any problem refuses the import with every problem
 *   listed by path, before anything is written
 * - objects are matched by natural key (org slug, user email, org + group name, org + user, client id,
 *   org + connection name; world.ts); a missing object is created, a differing one updated with the fields that
 *   differ (drafts.ts), an equal one left alone (no write, no version bump). Nothing is ever deleted.
 * - writes go in dependency order (organisations, users, groups, connections, clients, memberships; apply.ts).
 *   Instances started together import the same file at once: a create that loses the race (ConflictError) reads
 *   the winner's object and compares with it instead. Without multi-document transactions a failure mid-way
 *   leaves a prefix applied; running the import again completes it.
 */

export interface BootstrapDeps {
  stores: Stores;
  hashPassword: (plain: string) => Promise<string>;
  /** Recognises a plain password that is already stored, so that re-importing it changes nothing. */
  verifyPassword?: (hash: string, plain: string) => Promise<boolean>;
  catalog: Catalog;
}

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
  return applyDocument(deps, parsed.data, world);
}

function invalid(problems: Problem[]): ValidationError {
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
  return new ValidationError(`bootstrap document is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines}`, problems);
}
