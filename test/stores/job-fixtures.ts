import type { Job } from '../../src/jobs/job.js';
import type { JobAdvance } from '../../src/stores/job-store.js';
import { createTrigger } from '../../src/triggers/trigger-registry.js';

/** A fixed "now" for store tests: stores never read the clock for scheduling. */
export const BASE_TIME = new Date('2030-01-01T00:00:00.000Z');

/** `BASE_TIME` plus `seconds`. */
export function at(seconds: number): Date {
  return new Date(BASE_TIME.getTime() + seconds * 1000);
}

/** A plain 10-second interval job; `changes` override any field. */
export function intervalJob(id: string, nextRunTime: Date | null, changes: Partial<Job> = {}): Job {
  return {
    id,
    name: `job ${id}`,
    func: 'tasks:tick',
    args: [],
    kwargs: {},
    trigger: createTrigger('interval', { seconds: 10 }, { timezone: 'UTC', now: BASE_TIME }),
    executor: 'default',
    misfireGraceTime: 1,
    coalesce: true,
    maxInstances: 1,
    nextRunTime,
    ...changes,
  };
}

/** A job using every field with values that are easy to get wrong on the way through JSON. */
export function richJob(id: string, nextRunTime: Date | null): Job {
  return intervalJob(id, nextRunTime, {
    name: 'Nightly “report” — ünïcødé 日本語 🎉',
    func: 'reports:send_nightly',
    args: ['héllo ✓', 42, -1.5, 1e21, true, null, { nested: { deep: [1, { x: 'y' }, []] } }, '\'quotes" and \\ backslash'],
    kwargs: { ключ: 'значение', list: [1, 2, { a: null }], emoji: '👍🏽', empty: {}, zero: 0 },
    trigger: createTrigger(
      'cron',
      { hour: '2', minute: '30', day_of_week: 'mon-fri', timezone: 'Europe/London' },
      { timezone: 'UTC', now: BASE_TIME },
    ),
    executor: 'worker',
    misfireGraceTime: null,
    coalesce: false,
    maxInstances: 3,
  });
}

/** An advance that reschedules every job `seconds` after its run time. */
export function rescheduleAfter(seconds: number): (job: Job) => JobAdvance {
  return (job) => {
    const runTime = job.nextRunTime ?? BASE_TIME;
    return { kind: 'reschedule', runTimes: [runTime], nextRunTime: new Date(runTime.getTime() + seconds * 1000) };
  };
}

/** An advance that removes every job (its trigger is finished). */
export function removeAll(job: Job): JobAdvance {
  return { kind: 'remove', runTimes: job.nextRunTime ? [job.nextRunTime] : [] };
}
