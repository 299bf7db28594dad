import type { Where } from '../../common/entity.ts';

/*
 * The backend-neutral `Where` as a MongoDB filter:
 * - a plain value is equality (`id` is `_id`); `null` matches null or absent, as the embedded backend's IS NULL;
 * - `{ $in }` is `$in`; `{ $contains: v }` is `{ field: v }`, which matches arrays holding v;
 * - `{ $gte, $lt }` is a range (ISO timestamps compare as strings).
 * Values must be scalars, so nothing a caller passes can turn into a query operator; anything else is an error.
 */

type Scalar = string | number | boolean | null;

export function toMongoFilter<T>(where: Where<T>): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const [field, condition] of Object.entries(where as Record<string, unknown>)) {
    if (condition === undefined) continue;
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(field)) throw new Error(`cannot filter on field "${field}"`);
    const mongoCondition = toCondition(field, condition);
    if (mongoCondition !== undefined) filter[field === 'id' ? '_id' : field] = mongoCondition;
  }
  return filter;
}

function toCondition(field: string, condition: unknown): unknown {
  if (typeof condition !== 'object' || condition === null) return scalar(field, condition);
  if (Array.isArray(condition)) throw new Error(`unsupported condition on "${field}": an array`);
  const operators = Object.keys(condition);
  const operands = condition as Record<string, unknown>;
  if (operators.length === 1 && operators[0] === '$in') {
    if (!Array.isArray(operands.$in)) throw new Error(`$in on "${field}" needs an array`);
    return { $in: operands.$in.map((value: unknown) => scalar(field, value)) };
  }
  if (operators.length === 1 && operators[0] === '$contains') return scalar(field, operands.$contains);
  if (operators.length > 0 && operators.every((operator) => operator === '$gte' || operator === '$lt')) {
    const range: Record<string, Scalar> = {};
    for (const operator of operators) {
      if (operands[operator] !== undefined) range[operator] = scalar(field, operands[operator]);
    }
    // Both bounds undefined: no condition at all, as in the embedded backend.
    return Object.keys(range).length > 0 ? range : undefined;
  }
  throw new Error(`unsupported condition on "${field}": ${operators.join(', ') || 'an empty object'}`);
}

function scalar(field: string, value: unknown): Scalar {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new Error(`cannot filter "${field}" on a value of type ${typeof value}`);
}
