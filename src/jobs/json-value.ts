import { ValidationError } from '../errors.js';

const MAX_DEPTH = 32;

/**
 * Checks that `value` survives a JSON round trip unchanged (plain objects, arrays, strings, finite
 * numbers, booleans, null): job args and kwargs are stored as JSON, and a value that would come
 * back different (a Date, a function, NaN, a class instance) is refused rather than silently changed.
 */
export function assertJsonValue(value: unknown, where: string, depth = 0): void {
  if (depth > MAX_DEPTH) throw new ValidationError(`${where} is nested more than ${MAX_DEPTH} levels deep`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ValidationError(`${where} must be a finite number, got ${value}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJsonValue(item, `${where}[${i}]`, depth + 1));
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) assertJsonValue(item, `${where}.${key}`, depth + 1);
    return;
  }
  throw new ValidationError(`${where} must be a JSON value, got ${typeof value === 'object' ? 'an object of a class' : typeof value}`);
}

/** An object made by `{}` or JSON.parse (not an array, Date, Map, class instance…). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
