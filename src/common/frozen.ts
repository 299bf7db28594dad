/*
 * Read-only sharing for what the caches hand out: instead of a copy for every reader, one value frozen through
 * and through, shared by all of them. A reader that tries to change it gets a TypeError (modules are strict),
 * never a change another reader would see. Values are the stores' plain documents: objects, arrays, strings,
 * numbers, booleans, null (a typed array cannot be frozen and is refused).
 */

const frozenThrough = new WeakSet<object>();

/** Freezes `value` and everything it holds, in place, and returns it; once done, doing it again costs nothing. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || frozenThrough.has(value)) return value;
  if (ArrayBuffer.isView(value)) throw new TypeError('deepFreeze: binary data cannot be frozen');
  for (const member of Object.values(value)) deepFreeze(member);
  Object.freeze(value);
  frozenThrough.add(value);
  return value;
}
