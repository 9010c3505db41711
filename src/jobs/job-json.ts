import { DateTime } from 'luxon';
import type { Job } from './job.js';

/** A job as the REST API shows it (Flask-APScheduler's `job_to_dict`, plus `coalesce` and `executor`). */
export interface JobJSON {
  readonly id: string;
  readonly name: string;
  readonly func: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly trigger: string;
  readonly [triggerField: string]: unknown;
  readonly misfire_grace_time: number | null;
  readonly max_instances: number;
  readonly coalesce: boolean;
  readonly executor: string;
  /** ISO 8601 with offset in the trigger's zone; null while paused. */
  readonly next_run_time: string | null;
}

/**
 * The JSON shape of a job: `id name func args kwargs trigger`, the trigger's non-default fields,
 * then the options and `next_run_time`.
 *
 * @example
 * ctx.body = jobToJSON(await scheduler.getJob('nightly'))
 */
export function jobToJSON(job: Job): JobJSON {
  return {
    id: job.id,
    name: job.name,
    func: job.func,
    args: job.args,
    kwargs: job.kwargs,
    ...job.trigger.toJSON(),
    misfire_grace_time: job.misfireGraceTime,
    max_instances: job.maxInstances,
    coalesce: job.coalesce,
    executor: job.executor,
    next_run_time: job.nextRunTime ? isoInZone(job.nextRunTime, job.trigger.timezone) : null,
  };
}

/** `2030-01-01T09:00:00+01:00`, or with milliseconds when they are not zero. */
export function isoInZone(date: Date, zone: string): string {
  const dt = DateTime.fromJSDate(date, { zone });
  return dt.toISO({ suppressMilliseconds: true }) ?? date.toISOString();
}
