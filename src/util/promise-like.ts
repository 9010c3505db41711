/**
 * A value that `await` would wait for: an object or function with a `then` method.
 *
 * @example
 * isPromiseLike(task()) ? await result : result
 */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
