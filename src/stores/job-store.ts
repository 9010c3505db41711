import type { JobDeserializationError } from '../errors.js';
import type { Job } from '../jobs/job.js';

/**
 * The job store contract, as APScheduler's `BaseJobStore`, shaped so a store never needs to load
 * every job: due jobs come from an index on next run time, in batches, and are advanced in the
 * same step that hands them out (which is what makes clustering on a shared store possible).
 *
 * Implementations: `MemoryJobStore` (memory.ts) and `SqlJobStore` (sql/sql-job-store.ts).
 *
 * @example
 * const store = new MemoryJobStore()
 * await store.open({ onUnreadableJob: console.error })
 * await store.addJob(job)
 */
export interface JobStore {
  /** Connects, runs migrations. The scheduler calls it once at start; calling it again is a no-op. */
  open(context: StoreContext): Promise<void>;
  /** Releases connections. The store can be opened again afterwards. */
  close(): Promise<void>;

  /** Adds a job; {@link ConflictingIdError} when the id exists (unless `replaceExisting`). */
  addJob(job: Job, options?: { readonly replaceExisting?: boolean }): Promise<void>;
  /** Replaces a stored job with the same id; {@link JobLookupError} when there is none. */
  updateJob(job: Job): Promise<void>;
  /** {@link JobLookupError} when there is no such job. */
  removeJob(id: string): Promise<void>;
  removeAllJobs(): Promise<void>;

  /** The job, or null. An unreadable row is reported and gives null. */
  lookupJob(id: string): Promise<Job | null>;
  /** Jobs in id order, at most `limit`, with id greater than `after`. Unreadable rows are skipped. */
  getJobs(page?: JobPage): Promise<Job[]>;
  /** The earliest next run time of any job, paused jobs aside; null when none is scheduled. */
  getNextRunTime(): Promise<Date | null>;

  /**
   * Hands out up to `limit` jobs due at `now` (next run time ≤ now), earliest first, and applies
   * `advance(job)` to each before returning: the job gets its new next run time or is removed. A
   * job handed out once is not handed out again for the same run time.
   */
  acquireDueJobs(now: Date, limit: number, advance: (job: Job) => JobAdvance): Promise<AcquiredJob[]>;
}

/** What the scheduler gives a store when it opens it. */
export interface StoreContext {
  /** A stored job could not be read back; the store keeps the row (paused) and reports it here. */
  onUnreadableJob(error: JobDeserializationError): void;
}

export interface JobPage {
  readonly limit?: number;
  /** Only ids sorting after this one (keyset pagination). */
  readonly after?: string;
}

/** What happens to a due job: it is rescheduled, or removed because its trigger is finished. */
export type JobAdvance =
  | { readonly kind: 'reschedule'; readonly runTimes: readonly Date[]; readonly nextRunTime: Date }
  | { readonly kind: 'remove'; readonly runTimes: readonly Date[] };

/** A due job as it was when acquired, with what `advance` decided for it. */
export interface AcquiredJob {
  readonly job: Job;
  readonly advance: JobAdvance;
}
