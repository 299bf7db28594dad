import { ValidationError } from '../common/errors.ts';
import type { Problem } from '../common/problems.ts';

/*
 * Refused input, as the CLI reports it: a ValidationError whose problems are named by the option the operator
 * typed (`--redirect-uri`), not by the path inside the document the command built from the options.
 */

export function refused(summary: string, problems: Problem[]): ValidationError {
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
  return new ValidationError(`${summary}${lines ? `:\n${lines}` : ''}`, problems);
}

export type RenamePath = (path: string) => string | undefined;

export function renamePaths(problems: readonly Problem[], rename: RenamePath): Problem[] {
  return problems.map((p) => ({ path: rename(p.path) ?? p.path, message: p.message }));
}

/** Renames the paths of a ValidationError's problems (other errors pass through); `rename` answers undefined to keep a path. */
export function withOptionPaths<T>(work: Promise<T>, summary: string, rename: RenamePath): Promise<T> {
  return work.catch((error: unknown) => {
    if (!(error instanceof ValidationError) || error.details.length === 0) throw error;
    throw refused(summary, renamePaths(error.details, rename));
  });
}

/** Commander collector for repeatable options (`--domain a --domain b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
