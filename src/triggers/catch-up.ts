import { JobclockError } from '../errors.js';
import type { Trigger } from './trigger.js';

/*
 * Catch-up: answering questions about a backlog of missed fire times (a job whose next run time is
 * in 1971 while now is 2026) without materialising it. Each function takes `current`, a fire time of
 * the job (its stored next run time), and means the sequence that starts with `current` and goes on
 * with the trigger's schedule after it: what repeated getNextFireTime calls would give.
 *
 * Jitter: the answers are on the un-jittered schedule. `current` may itself be a jittered fire time
 * (it still counts as the sequence's first), but no time these functions return has jitter added;
 * the scheduler applies it once, when it asks getNextFireTime for the run after the catch-up.
 *
 * Interval and date triggers answer each question in O(1), cron finds a fire time at or after a time
 * with one search and the last one before now by binary search over time (O(log n)). A third-party
 * trigger without the optional `Trigger` methods is walked with getNextFireTime, at most
 * CATCH_UP_STEP_LIMIT steps.
 */

/** How many getNextFireTime steps a walk of a third-party trigger may take before giving up. */
export const CATCH_UP_STEP_LIMIT = 100_000;

/** How many fire times countFireTimes walks (cron, third-party triggers) before answering null. */
export const COUNT_STEP_LIMIT = 10_000;

/**
 * A third-party trigger without the catch-up methods has more fire times to walk than CATCH_UP_STEP_LIMIT.
 *
 * @example
 * try { fireTimeAtOrAfter(trigger, current, time, now) } catch (e) { if (e instanceof CatchUpLimitError) console.warn(e.trigger) }
 */
export class CatchUpLimitError extends JobclockError {
  constructor(readonly trigger: string) {
    super(`Catching up ${trigger} takes more than ${CATCH_UP_STEP_LIMIT} steps; implement Trigger.getFireTimeAtOrAfter`);
  }
}

/**
 * The first fire time ≥ `time` of the sequence that contains `current` (a fire time of the job,
 * ≤ `time`), or null when the trigger is finished by then (end_date passed, a date trigger that
 * fired). `current` itself when `time` is not after it. `now` is passed to getNextFireTime when the
 * trigger has to be walked.
 *
 * @example
 * const every = new IntervalTrigger({ seconds: 0.001, start_date: '1971-01-01T00:00:00Z' })
 * fireTimeAtOrAfter(every, new Date('1971-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00.0005Z'), now)
 * // 2026-01-01T00:00:00.001Z, in O(1)
 */
export function fireTimeAtOrAfter(trigger: Trigger, current: Date, time: Date, now: Date): Date | null {
  if (trigger.getFireTimeAtOrAfter) return trigger.getFireTimeAtOrAfter(current, time, now);
  let fire: Date | null = current;
  for (let steps = 0; fire !== null && fire.getTime() < time.getTime(); steps += 1) {
    if (steps === CATCH_UP_STEP_LIMIT) throw new CatchUpLimitError(trigger.toString());
    fire = trigger.getNextFireTime(fire, now);
  }
  return fire;
}

/**
 * The last fire time ≤ `now` of the sequence that contains `current` (≤ `now`): the one run a
 * coalescing job makes for its whole backlog. `current` when nothing later is due.
 *
 * @example
 * const cron = new CronTrigger({ second: '*' })
 * lastFireTimeAtOrBefore(cron, new Date('1971-01-01T00:00:00Z'), new Date('2026-01-01T12:00:00.500Z'))
 * // 2026-01-01T12:00:00Z, by binary search
 */
export function lastFireTimeAtOrBefore(trigger: Trigger, current: Date, now: Date): Date {
  if (trigger.getLastFireTimeAtOrBefore) return trigger.getLastFireTimeAtOrBefore(current, now);
  if (now.getTime() <= current.getTime()) return current;
  const atOrAfter = trigger.getFireTimeAtOrAfter?.bind(trigger);
  if (atOrAfter) return new Date(searchLast((ms) => atOrAfter(current, new Date(ms), now)?.getTime() ?? null, current, now));
  let fire = current;
  for (let steps = 0; ; steps += 1) {
    if (steps === CATCH_UP_STEP_LIMIT) throw new CatchUpLimitError(trigger.toString());
    const next = trigger.getNextFireTime(fire, now);
    if (next === null || next.getTime() > now.getTime() || next.getTime() <= fire.getTime()) return fire;
    fire = next;
  }
}

/**
 * How many fire times of the sequence that contains `current` lie in [current, before), `current`
 * included: exact and O(1) for interval and date triggers; for cron (and third-party triggers) exact
 * when at most COUNT_STEP_LIMIT fire times are counted, else null (report a time range instead).
 *
 * @example
 * const every5 = new IntervalTrigger({ minutes: 5, start_date: '2030-01-01T00:00:00Z' })
 * countFireTimes(every5, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T01:00:00Z')) // 12
 */
export function countFireTimes(trigger: Trigger, current: Date, before: Date): number | null {
  if (trigger.countFireTimes) return trigger.countFireTimes(current, before);
  let count = 0;
  let fire: Date | null = current;
  while (fire !== null && fire.getTime() < before.getTime()) {
    if (count === COUNT_STEP_LIMIT) return null;
    count += 1;
    const after: Date = new Date(fire.getTime() + 1);
    const next: Date | null = trigger.getFireTimeAtOrAfter
      ? trigger.getFireTimeAtOrAfter(current, after, before)
      : trigger.getNextFireTime(fire, before);
    fire = next !== null && next.getTime() > fire.getTime() ? next : null;
  }
  return count;
}

/**
 * The last fire time ≤ now by search over time with getFireTimeAtOrAfter (which is monotonic in
 * its time): gallop back from now to bracket it, then bisect. About 2·log2(backlog in ms) searches.
 */
function searchLast(at: (ms: number) => number | null, current: Date, now: Date): number {
  const nowMs = now.getTime();
  // Invariant: `lo` is a fire time ≤ now (current counts as one); no fire time lies in [hi, now].
  let lo = current.getTime();
  let hi = nowMs + 1;
  for (let width = 1000; ; width *= 2) {
    const probe = nowMs + 1 - width;
    if (probe <= lo) break;
    const fire = at(probe);
    if (fire !== null && fire <= nowMs) {
      lo = fire;
      break;
    }
    hi = probe;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const fire = at(mid);
    if (fire !== null && fire < hi) lo = fire;
    else hi = mid;
  }
  return lo;
}
