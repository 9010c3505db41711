/** The first retry delay after a failure, and the longest one. */
export const DEFAULT_BACKOFF = { minMs: 500, maxMs: 30_000 } as const;

/**
 * Capped exponential backoff: each failure waits twice as long as the one before, from `minMs` up
 * to `maxMs`; a success resets it. What every retrier of an unreachable store waits by (the wake
 * loop, the heartbeat, the LISTEN reconnect), so none of them hammers a database that is away.
 *
 * @example
 * const backoff = new Backoff()
 * backoff.next() // 500
 * backoff.next() // 1000
 * backoff.reset()
 */
export class Backoff {
  private failures = 0;

  constructor(
    readonly minMs: number = DEFAULT_BACKOFF.minMs,
    readonly maxMs: number = DEFAULT_BACKOFF.maxMs,
  ) {}

  /** The delay before the next retry; each call doubles the one after (up to `maxMs`). */
  next(): number {
    const delay = this.delayFor(this.failures);
    this.failures += 1;
    return delay;
  }

  /** The delay the last `next()` gave (`minMs` before any failure). */
  get currentMs(): number {
    return this.delayFor(Math.max(0, this.failures - 1));
  }

  /** Back to `minMs` (after a success). */
  reset(): void {
    this.failures = 0;
  }

  private delayFor(failures: number): number {
    // 2 ** 60 is still finite; the exponent is capped so the product never overflows to Infinity.
    return Math.min(this.minMs * 2 ** Math.min(failures, 60), Math.max(this.minMs, this.maxMs));
  }
}
