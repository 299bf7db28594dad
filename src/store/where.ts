import type { Where } from '../common/entity.ts';

/**
 * Whether a document matches a `Where`, as the backends decide it: `null` matches a missing or null field,
 * `$in` one of the values, `$contains` an array field holding the value, `$gte`/`$lt` a range.
 */
export function matchesWhere<T extends object>(doc: T, where: Where<T>): boolean {
  return Object.entries(where as Record<string, unknown>).every(([field, condition]) => {
    if (condition === undefined) return true;
    const value = (doc as Record<string, unknown>)[field];
    if (condition === null) return value === undefined || value === null;
    if (typeof condition !== 'object') return value === condition;
    if ('$in' in condition) return (condition.$in as unknown[]).includes(value);
    if ('$contains' in condition) return Array.isArray(value) && value.includes(condition.$contains);
    if ('$gte' in condition || '$lt' in condition) {
      const range = condition as { $gte?: string | number; $lt?: string | number };
      if (value === undefined || value === null) return false;
      const comparable = value as string | number;
      return (range.$gte === undefined || comparable >= range.$gte) && (range.$lt === undefined || comparable < range.$lt);
    }
    throw new Error(`unsupported condition on "${field}"`);
  });
}
