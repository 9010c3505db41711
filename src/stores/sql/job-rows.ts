import { JobDeserializationError } from '../../errors.js';
import type { Job } from '../../jobs/job.js';
import { jobFromState, stateTextOf } from '../../jobs/job-state.js';

/** The columns a job is read back from. */
export interface StoredJobRow {
  readonly id: string;
  readonly next_run_time: number | null;
  readonly state: unknown;
}

/** The columns a job is written to (`updated_at` is bookkeeping for people reading the table). */
export interface JobRowValues {
  readonly id: string;
  readonly next_run_time: number | null;
  readonly state: string;
  readonly updated_at: number;
}

/**
 * A job as the values of its row.
 *
 * @example
 * await db.insertInto('jobs').values(rowOfJob(job, Date.now())).execute()
 */
export function rowOfJob(job: Job, updatedAt: number): JobRowValues {
  return {
    id: job.id,
    next_run_time: job.nextRunTime === null ? null : job.nextRunTime.getTime(),
    state: stateTextOf(job),
    updated_at: updatedAt,
  };
}

/**
 * The job a row holds; {@link JobDeserializationError} when the row is not a job any more.
 *
 * @example
 * const job = jobOfRow(await db.selectFrom('jobs').select(JOB_COLUMNS).executeTakeFirstOrThrow())
 */
export function jobOfRow(row: StoredJobRow): Job {
  try {
    return jobFromState(row.id, row.next_run_time === null ? null : new Date(row.next_run_time), row.state);
  } catch (error) {
    if (error instanceof JobDeserializationError) throw error;
    throw new JobDeserializationError(row.id, error instanceof Error ? error.message : String(error));
  }
}

export const JOB_COLUMNS = ['id', 'next_run_time', 'state'] as const;
