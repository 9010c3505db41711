import { DateTrigger } from './date-trigger.js';
import { IntervalTrigger } from './interval-trigger.js';
import type { Trigger } from './trigger.js';

/**
 * Jumps through a trigger's fire times without walking them, for a job whose next run time is far
 * in the past: an interval is arithmetic (O(1)); any other trigger is searched by bisection over
 * `getNextFireTime` (O(log n) calls), which needs its fire times to be absolute — `getNextFireTime(t - 1ms, t)`
 * is the first fire time at or after `t`, as for cron.
 *
 * "The sequence containing `current`" matters for intervals: a job's stored next run time need not
 * lie on the grid from `start_date` (REST lets `next_run_time` be set), and later fire times follow
 * it every interval.
 *
 * @example
 * const trigger = new IntervalTrigger({ seconds: 1, start_date: '1971-01-01T00:00:00Z' })
 * fireTimeAtOrAfter(trigger, new Date('1971-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00.500Z'), now) // 2030-01-01T00:00:01Z
 */
export function fireTimeAtOrAfter(trigger: Trigger, current: Date, time: Date, now: Date): Date | null {
  if (current.getTime() >= time.getTime()) return current;
  if (trigger instanceof IntervalTrigger) {
    const steps = Math.ceil((time.getTime() - current.getTime()) / trigger.intervalMs);
    // The fire time after the one before: the trigger applies its end date and jitter itself.
    return trigger.getNextFireTime(new Date(current.getTime() + (steps - 1) * trigger.intervalMs), now);
  }
  if (trigger instanceof DateTrigger) return null;
  const found = firstAtOrAfter(trigger, time.getTime());
  return found !== null && found.getTime() > current.getTime() ? found : null;
}

/**
 * The last fire time at or before `now` of the sequence containing `current` (itself ≤ now): what a
 * coalesced backlog runs once.
 *
 * @example
 * lastFireTimeAtOrBefore(everySecond, new Date('1971-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00.500Z')) // 2030-01-01T00:00:00Z
 */
export function lastFireTimeAtOrBefore(trigger: Trigger, current: Date, now: Date): Date {
  const limit = now.getTime();
  if (current.getTime() >= limit) return current;
  if (trigger instanceof IntervalTrigger) {
    const end = trigger.endDate === null ? limit : Math.min(limit, trigger.endDate.getTime());
    const steps = Math.max(0, Math.floor((end - current.getTime()) / trigger.intervalMs));
    return new Date(current.getTime() + steps * trigger.intervalMs);
  }
  if (trigger instanceof DateTrigger) return current;
  // Bisection: every step either halves [low, high] or moves `low` past a fire time found ≤ now.
  let best = current;
  let low = current.getTime() + 1;
  let high = limit;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const found = firstAtOrAfter(trigger, middle);
    if (found !== null && found.getTime() <= limit && found.getTime() > best.getTime()) {
      best = found;
      low = found.getTime() + 1;
    } else {
      high = middle - 1;
    }
  }
  return best;
}

/**
 * How many fire times of the sequence containing `current` lie in [current, before): exact for
 * interval and date triggers, null when only walking could tell (cron).
 *
 * @example
 * countFireTimes(everySecond, new Date('1971-01-01T00:00:00Z'), new Date('1971-01-01T00:01:00Z')) // 60
 */
export function countFireTimes(trigger: Trigger, current: Date, before: Date): number | null {
  const span = before.getTime() - current.getTime();
  if (span <= 0) return 0;
  if (trigger instanceof DateTrigger) return 1;
  if (!(trigger instanceof IntervalTrigger)) return null;
  const end = trigger.endDate === null ? before.getTime() : Math.min(before.getTime(), trigger.endDate.getTime() + 1);
  return Math.max(0, Math.ceil((end - current.getTime()) / trigger.intervalMs));
}

/** The first fire time at or after `time` (epoch ms) of a trigger with absolute fire times. */
function firstAtOrAfter(trigger: Trigger, time: number): Date | null {
  return trigger.getNextFireTime(new Date(time - 1), new Date(time));
}
