/**
 * Wall-clock time in milliseconds with sub-millisecond resolution. `Date.now()` steps in whole
 * milliseconds; `performance.now()` is finer but counts from another origin. The offset between the
 * two is taken at the instant `Date.now()` ticks, so the result agrees with `Date` to a few µs.
 *
 * @example
 * const now = preciseClock()
 * const lateMs = now() - scheduledRunTime.getTime()
 */
export function preciseClock(): () => number {
  let offset = 0;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = Date.now();
    let before = performance.now();
    let wall = Date.now();
    while (wall === start) {
      before = performance.now();
      wall = Date.now();
    }
    const after = performance.now();
    // The tick happened between `before` and `after`; keep the tightest bracket.
    if (after - before < best) {
      best = after - before;
      offset = wall - (before + after) / 2;
    }
  }
  return () => performance.now() + offset;
}
