import { ValidationError } from '../common/errors.ts';
import type { Problem } from '../common/problems.ts';
import { parseMappingRules } from '../directory/mapping-rules.ts';
import type { Connection } from './model.ts';
import { parseSamlMapping } from './saml/mapping.ts';
import { parseSamlSettings } from './saml/settings.ts';

/*
 * What a connection's stored `settings` and `mapping` must hold, checked the same way wherever a connection is
 * written (admin API, console, bootstrap file): the protocol's own settings, its attribute names, and the
 * directory's mapping rules. Problems are named by path (`settings.idpCertificates[0]`, `mapping.rules[2].equals`).
 */
export function connectionProblems(kind: Connection['kind'], settings: unknown, mapping: unknown): Problem[] {
  const problems: Problem[] = [];
  const collect = (check: () => unknown) => {
    try {
      check();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.details);
    }
  };
  if (kind === 'saml') {
    collect(() => parseSamlSettings(settings));
    collect(() => parseSamlMapping(mapping));
  }
  collect(() => parseMappingRules((mapping as { rules?: unknown } | undefined)?.rules));
  return problems;
}

/** @throws ValidationError listing every problem. */
export function assertValidConnection(kind: Connection['kind'], settings: unknown, mapping: unknown): void {
  const problems = connectionProblems(kind, settings, mapping);
  if (problems.length > 0) throw new ValidationError(`invalid ${kind} connection: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
}
