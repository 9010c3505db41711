import type { Job } from '../jobs/job.js';
import type { JobAdvance, MissedSpan } from '../stores/job-store.js';
import { countFireTimes, fireTimeAtOrAfter, lastFireTimeAtOrBefore } from '../triggers/catch-up.js';
import type { Trigger } from '../triggers/trigger.js';

/**
 * Run times handed out for one job in one pass. A job whose backlog is longer gets the rest in
 * later batches, so memory stays flat however far in the past its next run time is.
 */
export const MAX_RUN_TIMES_PER_BATCH = 100;

/**
 * APScheduler's `_get_run_times` + the rescheduling step of `_process_jobs`, made lazy: the due run
 * times from the job's next run time, at most `maxRunTimes` of them, and what happens to the job
 * next (the fire time after the batch, or removal when the trigger is finished).
 *
 * - coalesce: one run, at the last fire time ≤ now, found without walking the backlog;
 * - otherwise, fire times already later than `misfire_grace_time` allows are skipped in one step
 *   and reported as `missed` (first, last, count when countable);
 * - a next run time still ≤ now after the batch is marked `backlog`: the row has advanced (a restart
 *   resumes there) and the next batch comes once this one has run.
 *
 * @example
 * advanceDueJob(job, clock.now()) // { kind: 'reschedule', runTimes: [… ≤ 100 dates], nextRunTime, backlog: true }
 */
export function advanceDueJob(job: Job, now: Date, options: { readonly maxRunTimes?: number } = {}): JobAdvance {
  const maxRunTimes = Math.max(1, options.maxRunTimes ?? MAX_RUN_TIMES_PER_BATCH);
  const { trigger } = job;
  const nowMs = now.getTime();
  let next = job.nextRunTime;
  if (next === null) return { kind: 'remove', runTimes: [] };
  if (next.getTime() > nowMs) return { kind: 'reschedule', runTimes: [], nextRunTime: next };

  if (job.coalesce) {
    const last = lastFireTimeAtOrBefore(trigger, next, now);
    return finish([last], following(trigger, last, now), nowMs, undefined);
  }

  let missed: MissedSpan | undefined;
  if (job.misfireGraceTime !== null) {
    // A run is missed when it is more than the grace time late (integer ms, as the execution-time check).
    const threshold = Math.ceil(nowMs - job.misfireGraceTime * 1000);
    if (next.getTime() < threshold) {
      const last = lastFireTimeAtOrBefore(trigger, next, new Date(threshold - 1));
      missed = { count: countFireTimes(trigger, next, new Date(threshold)), first: next, last };
      const resume = fireTimeAtOrAfter(trigger, next, new Date(threshold), now);
      if (resume === null || resume.getTime() <= last.getTime()) return { kind: 'remove', runTimes: [], missed };
      next = resume;
    }
  }

  const runTimes: Date[] = [];
  let cursor: Date | null = next;
  while (cursor !== null && cursor.getTime() <= nowMs && runTimes.length < maxRunTimes) {
    runTimes.push(cursor);
    cursor = following(trigger, cursor, now);
  }
  return finish(runTimes, cursor, nowMs, missed);
}

function finish(runTimes: Date[], next: Date | null, nowMs: number, missed: MissedSpan | undefined): JobAdvance {
  const span = missed ? { missed } : {};
  if (next === null) return { kind: 'remove', runTimes, ...span };
  return { kind: 'reschedule', runTimes, nextRunTime: next, ...(next.getTime() <= nowMs ? { backlog: true } : {}), ...span };
}

/** The fire time after `time`; a trigger that does not move forward is treated as finished rather than looping. */
function following(trigger: Trigger, time: Date, now: Date): Date | null {
  const next = trigger.getNextFireTime(time, now);
  return next !== null && next.getTime() > time.getTime() ? next : null;
}
