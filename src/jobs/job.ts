import type { Trigger, TriggerJSON } from '../triggers/trigger.js';

/**
 * A scheduled job: what to call, with what, and when. Immutable: changes make a new `Job`.
 *
 * @example
 * const job = await scheduler.getJob('nightly')
 * job?.nextRunTime // Date, or null while paused
 */
export interface Job {
  readonly id: string;
  readonly name: string;
  /** A registered task, `"module:function"`. */
  readonly func: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly trigger: Trigger;
  /** Name of the executor that runs it (`"default"` unless set). */
  readonly executor: string;
  /** Seconds a run may be late and still run; null = no limit. */
  readonly misfireGraceTime: number | null;
  /** Run only the latest of several missed run times. */
  readonly coalesce: boolean;
  /** Runs of this job allowed at the same time. */
  readonly maxInstances: number;
  /** When it fires next; null = paused. */
  readonly nextRunTime: Date | null;
}

/**
 * Defaults for the job options, as APScheduler's `job_defaults`.
 *
 * @example
 * new Scheduler({ jobDefaults: { misfireGraceTime: 30, coalesce: true, maxInstances: 1 } })
 */
export interface JobDefaults {
  readonly misfireGraceTime: number | null;
  readonly coalesce: boolean;
  readonly maxInstances: number;
}

/** APScheduler 3's defaults, except `coalesce` which jobclock turns on (as most users want). */
export const DEFAULT_JOB_DEFAULTS: JobDefaults = { misfireGraceTime: 1, coalesce: true, maxInstances: 1 };

/**
 * What a store keeps of a job besides its id and next run time: plain JSON, never code.
 * Stores persist it as one JSON document; `version` lets later releases migrate it.
 *
 * @example
 * const { func, trigger, max_instances }: JobState = storedState // { func: 'reports:nightly', trigger: { trigger: 'cron', … }, … }
 */
export interface JobState {
  readonly version: 1;
  readonly name: string;
  readonly func: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly trigger: TriggerJSON;
  readonly executor: string;
  readonly misfire_grace_time: number | null;
  readonly coalesce: boolean;
  readonly max_instances: number;
}

/** Returns a copy of `job` with the given fields replaced. */
export function withChanges(job: Job, changes: Partial<Job>): Job {
  return { ...job, ...changes };
}
