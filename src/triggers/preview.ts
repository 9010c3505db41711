import { ValidationError } from '../errors.js';
import type { Trigger } from './trigger.js';

/*
 * Fire-time preview: the next fire times of a trigger, as the scheduler would take them, without
 * running or storing anything. The walk is bounded by `count` (at most MAX_PREVIEW_COUNT), and each
 * step is one getNextFireTime call, whose own search is bounded, so a trigger that never fires
 * answers [] at once.
 */

/**
 * How many fire times a preview gives unless asked otherwise.
 *
 * @example
 * previewFireTimes(trigger, { now: new Date() }).length <= DEFAULT_PREVIEW_COUNT // true
 */
export const DEFAULT_PREVIEW_COUNT = 10;

/**
 * The most fire times one preview gives.
 *
 * @example
 * previewFireTimes(trigger, { count: MAX_PREVIEW_COUNT, now: new Date() })
 */
export const MAX_PREVIEW_COUNT = 1000;

/**
 * What to preview from: `first` is the job's next run time when it has one (a stored, scheduled
 * job); otherwise the trigger's first fire time after `now` is taken, as `resume` would.
 *
 * @example
 * previewFireTimes(trigger, { count: 5, now: new Date(), first: job.nextRunTime })
 */
export interface PreviewOptions {
  /** How many fire times, 1 to MAX_PREVIEW_COUNT; default DEFAULT_PREVIEW_COUNT. */
  readonly count?: number;
  /** The current time. */
  readonly now: Date;
  /** The first fire time, when known (a scheduled job's `nextRunTime`). */
  readonly first?: Date | null;
}

/**
 * The next fire times of `trigger`: fewer than `count` when it finishes first, [] when it never fires.
 * Throws `ValidationError` when `count` is not an integer from 1 to MAX_PREVIEW_COUNT.
 *
 * @example
 * previewFireTimes(new CronTrigger({ hour: '9', timezone: 'Europe/Paris' }), { count: 3, now: new Date() })
 * // the next three 09:00 in Paris
 */
export function previewFireTimes(trigger: Trigger, options: PreviewOptions): Date[] {
  const count = checkPreviewCount(options.count ?? DEFAULT_PREVIEW_COUNT);
  const times: Date[] = [];
  let fire = options.first ?? trigger.getNextFireTime(null, options.now);
  while (fire !== null && times.length < count) {
    times.push(fire);
    const next = trigger.getNextFireTime(fire, fire);
    // A trigger must move forward; one that does not would loop here for ever.
    fire = next !== null && next.getTime() > fire.getTime() ? next : null;
  }
  return times;
}

/**
 * `count` when it is an integer from 1 to MAX_PREVIEW_COUNT; otherwise a `ValidationError` naming it.
 *
 * @example
 * checkPreviewCount(Number(ctx.query.count ?? DEFAULT_PREVIEW_COUNT))
 */
export function checkPreviewCount(count: number): number {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW_COUNT) {
    throw new ValidationError(`count must be an integer from 1 to ${MAX_PREVIEW_COUNT}`);
  }
  return count;
}
