import type { Histogram } from 'prom-client';

/*
 * Wraps every method of an object so that each call is observed in `histogram` under `operation`, and
 * otherwise behaves exactly as before: same arguments, same `this`, the same result or error, synchronous
 * methods stay synchronous. Properties that are not functions are copied as they are.
 */
export function timedMethods<T extends object>(
  target: T,
  histogram: Histogram<'operation'>,
  operationOf: (method: string) => string,
  skip: ReadonlySet<string> = new Set(),
): T {
  const wrapped: Record<string, unknown> = {};
  for (const key of methodNames(target)) {
    const value = (target as Record<string, unknown>)[key];
    if (typeof value !== 'function' || skip.has(key)) {
      wrapped[key] = value;
      continue;
    }
    const operation = operationOf(key);
    wrapped[key] = function timed(...args: unknown[]): unknown {
      const end = histogram.startTimer({ operation });
      let result: unknown;
      try {
        result = (value as (...a: unknown[]) => unknown).apply(target, args);
      } catch (error) {
        end();
        throw error;
      }
      if (isThenable(result)) return result.then((v) => { end(); return v; }, (error: unknown) => { end(); throw error; });
      end();
      return result;
    };
  }
  return wrapped as T;
}

/** Own enumerable keys plus methods of class instances (prototype chain up to Object.prototype). */
function methodNames(target: object): string[] {
  const names = new Set(Object.keys(target));
  for (let proto = Object.getPrototypeOf(target); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
  }
  return [...names];
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
