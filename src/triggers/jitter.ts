import { ValidationError } from '../errors.js';
import { describe, LATEST_DATE_MS } from './dates.js';
import { timedeltaMicros } from './microseconds.js';

/** A year: more jitter than that is a mistake, not a spread. */
const MAX_JITTER_SECONDS = 366 * 86_400;

/** A source of uniform numbers in [0, 1), like `Math.random`; injectable so tests are exact. */
export type RandomSource = () => number;

/**
 * Reads a `jitter` option: seconds, a non-negative finite number, or null/undefined for none.
 *
 * @example
 * parseJitter(30) // 30
 * parseJitter(-1) // throws ValidationError
 */
export function parseJitter(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_JITTER_SECONDS) {
    throw new ValidationError(`jitter must be a number of seconds from 0 to ${MAX_JITTER_SECONDS}, or null, got ${describe(value)}`);
  }
  return value;
}

/**
 * Delays a fire time by a uniformly random 0..`jitter` seconds, as APScheduler 3's
 * `BaseTrigger._apply_jitter`: spreading jobs that share a schedule so they do not all hit a
 * resource at the same instant. No jitter (null or 0) returns the time unchanged.
 *
 * @example
 * applyJitter(new Date('2030-01-01T00:00:00Z'), 10, () => 0.5) // 2030-01-01T00:00:05Z
 */
export function applyJitter(fireTime: Date, jitter: number | null, random: RandomSource): Date {
  if (!jitter) return fireTime;
  return new Date(Math.min(fireTime.getTime() + random() * jitter * 1000, LATEST_DATE_MS));
}

/**
 * A jitter delay in whole microseconds, as APScheduler 3's `timedelta(seconds=random.uniform(0, jitter))`:
 * for triggers that compute in µs (interval). No jitter gives 0.
 *
 * @example
 * jitterMicros(10, () => 0.5) // 5000000n
 */
export function jitterMicros(jitter: number | null, random: RandomSource): bigint {
  return jitter ? timedeltaMicros({ seconds: random() * jitter }) : 0n;
}
