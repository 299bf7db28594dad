import type { z } from 'zod';

/** One invalid input, named by its path (`memberships[2].org`). */
export interface Problem {
  path: string;
  message: string;
}

/** `['memberships', 2, 'org']` -> `memberships[2].org`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** A zod issue as problems: unknown keys become one problem each, named by their own path. */
export function issueProblems(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): Problem[] {
  const path = formatPath([...prefix, ...issue.path]);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: path ? `${path}.${key}` : key, message: 'unknown key' }));
  }
  return [{ path: path || '(root)', message: issue.message }];
}
