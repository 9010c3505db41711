import type { Job } from '../jobs/job.js';
import type { JobAdvance } from '../stores/job-store.js';

/**
 * APScheduler's `_get_run_times` + the rescheduling step of `_process_jobs`: every run time from the
 * job's next run time up to `now`, the last one only when coalescing, and what happens to the job
 * next (the next fire time after the last run time, or removal when the trigger is finished).
 */
export function advanceDueJob(job: Job, now: Date): JobAdvance {
  const nowMs = now.getTime();
  const runTimes: Date[] = [];
  let next = job.nextRunTime;
  let last: Date | null = null;
  while (next !== null && next.getTime() <= nowMs) {
    if (job.coalesce) last = next;
    else runTimes.push(next);
    const following = job.trigger.getNextFireTime(next, now);
    // A trigger must move forward; one that does not is treated as finished rather than looping.
    next = following !== null && following.getTime() > next.getTime() ? following : null;
  }
  if (last) runTimes.push(last);
  return next === null ? { kind: 'remove', runTimes } : { kind: 'reschedule', runTimes, nextRunTime: next };
}
