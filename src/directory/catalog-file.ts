import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../common/errors.ts';
import type { Catalog } from './catalog.ts';
import { defaultCatalog } from './default-catalog.ts';
import { validateCatalog } from './permissions.ts';

/**
 * The catalog of this deployment: the operator's YAML file when `catalog.file` names one, otherwise the
 * default catalog of the seeds. A file that cannot be read or parsed, or that fails validateCatalog, refuses
 * the start with every problem by path, like a configuration error.
 * @throws ValidationError
 */
export function loadCatalog(file: string): Catalog {
  if (!file) return defaultCatalog;
  const path = resolve(file);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ValidationError(`roles & permissions catalog ${path} cannot be read: ${(error as Error).message}`, [{ path: 'catalog.file', message: 'cannot be read' }]);
  }
  try {
    return validateCatalog(raw);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(`${path}: ${error.message}`, error.details);
  }
}
