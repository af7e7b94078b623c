/**
 * JSON parsing that cannot be turned into prototype pollution. `JSON.parse` itself only makes
 * `__proto__` an own property, but any later merge, `Object.assign` or key-by-key copy of the
 * parsed value into another object would then reach `Object.prototype`. Documents carrying
 * such keys (`__proto__`, or a `constructor` object with a `prototype`) are refused outright.
 *
 * Hand-written (a reviver, ~20 lines) because secure-json-parse is not a dependency of this
 * project, only of a test tool, and Lambda bundles must not rely on it.
 */

export class UnsafeJsonError extends Error {
  override readonly name = 'UnsafeJsonError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** JSON.parse, throwing UnsafeJsonError on keys that could reach a prototype. */
export function parseJsonSafe(text: string): unknown {
  return JSON.parse(text, (key: string, value: unknown) => {
    if (key === '__proto__')
      throw new UnsafeJsonError('JSON key "__proto__" refused (prototype pollution)');
    if (key === 'constructor' && isObject(value) && Object.hasOwn(value, 'prototype'))
      throw new UnsafeJsonError('JSON key "constructor.prototype" refused (prototype pollution)');
    return value;
  });
}

/** The parsed object, or undefined when the text is not JSON, not an object, or unsafe. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = parseJsonSafe(text);
    return isObject(value) && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
