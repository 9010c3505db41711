import type { Clock } from '../clock/clock.js';
import type { JobDeserializationError } from '../errors.js';
import type { Job } from '../jobs/job.js';
import type { ClusterCoordination } from './cluster-coordination.js';
import type { RunHistory } from './run-history.js';

/**
 * How many jobs a store holds, by state (paused = no next run time).
 *
 * @example
 * const { scheduled, paused } = await store.countJobs!()
 */
export interface JobCounts {
  readonly scheduled: number;
  readonly paused: number;
}

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
  /**
   * Adds many jobs at once, all or none (one transaction on SQL); {@link ConflictingIdError} when an
   * id exists (unless `replaceExisting`). Optional: without it the scheduler adds one at a time.
   */
  addJobs?(jobs: readonly Job[], options?: { readonly replaceExisting?: boolean }): Promise<void>;
  /** Replaces a stored job with the same id; {@link JobLookupError} when there is none. */
  updateJob(job: Job): Promise<void>;
  /** {@link JobLookupError} when there is no such job. */
  removeJob(id: string): Promise<void>;
  removeAllJobs(): Promise<void>;

  /** The job, or null. An unreadable row is reported and gives null. */
  lookupJob(id: string): Promise<Job | null>;
  /** Jobs in id order, at most `limit`, with id greater than `after`. Unreadable rows are skipped. */
  getJobs(page?: JobPage): Promise<Job[]>;
  /**
   * The earliest next run time of any job, paused jobs aside; null when none is scheduled. Jobs in
   * `excluding` are left out (the scheduler's jobs still catching up a backlog; a handful at most).
   */
  getNextRunTime(excluding?: ReadonlySet<string>): Promise<Date | null>;
  /**
   * How many jobs are scheduled (have a next run time) and paused, without reading them (one
   * aggregate query on SQL); for the jobs gauge of the metrics. Optional: a store without it is not counted.
   */
  countJobs?(): Promise<JobCounts>;

  /**
   * Hands out up to `limit` jobs due at `now` (next run time ≤ now), earliest first, and applies
   * `advance(job)` to each before returning: the job gets its new next run time or is removed. A
   * job handed out once is not handed out again for the same run time. Jobs in `excluding` are
   * not handed out (their previous batch of a backlog is still running), and other due jobs are.
   */
  acquireDueJobs(now: Date, limit: number, advance: (job: Job) => JobAdvance, excluding?: ReadonlySet<string>): Promise<AcquiredJob[]>;

  /** Where the store keeps run history; a store without one keeps none. */
  readonly runHistory?: RunHistory;
  /**
   * The store's cluster coordination: present when several scheduler processes share this store as a cluster. `acquireDueJobs` then
   * also claims each run time (once in the whole cluster, under a lease) and refuses jobs whose
   * `max_instances` is reached cluster-wide.
   */
  readonly cluster?: ClusterCoordination | null;
}

/**
 * What the scheduler gives a store when it opens it.
 *
 * @example
 * await store.open({ onUnreadableJob: (error) => console.warn(error.message), clock: systemClock })
 */
export interface StoreContext {
  /** A stored job could not be read back; the store keeps the row (paused) and reports it here. */
  onUnreadableJob(error: JobDeserializationError): void;
  /** The scheduler process opening the store; a cluster store claims runs in its name. */
  readonly node?: NodeIdentity;
  /**
   * Another process added or changed a job (or wake-ups may have been lost: `nextRunTime` null):
   * the scheduler re-examines its due times.
   */
  wakeUp?(nextRunTime: Date | null): void;
  /** Something the person running the scheduler should know, such as a dropped connection being retried. */
  warn?(message: string, error?: unknown): void;
  /** The scheduler's clock, for times a store records itself (such as `updated_at`); default the system clock. */
  readonly clock?: Clock;
}

/**
 * One scheduler process: `host:pid:random`, and how long its claims hold without a heartbeat.
 *
 * @example
 * const node: NodeIdentity = { id: 'web-1:4242:x1y2', hostname: 'web-1', pid: 4242, startedAt: new Date(), leaseMs: 30_000 }
 */
export interface NodeIdentity {
  readonly id: string;
  readonly hostname: string;
  readonly pid: number;
  readonly startedAt: Date;
  /** A claim not renewed for this long is another node's to take over. */
  readonly leaseMs: number;
}

/**
 * A page of jobs in id order: at most `limit`, after the id `after`.
 *
 * @example
 * await scheduler.getJobs({ limit: 100, after: lastIdOfPreviousPage })
 */
export interface JobPage {
  readonly limit?: number;
  /** Only ids sorting after this one (keyset pagination). */
  readonly after?: string;
}

/**
 * What happens to a due job: it is rescheduled, or removed because its trigger is finished.
 * `runTimes` is one bounded batch; `backlog` says the new next run time is still due (more batches
 * follow); `missed` is a span of fire times skipped without being materialised (past the grace time).
 *
 * @example
 * const advance: JobAdvance = { kind: 'reschedule', runTimes: [due], nextRunTime: next }
 */
export type JobAdvance =
  | {
      readonly kind: 'reschedule';
      readonly runTimes: readonly Date[];
      readonly nextRunTime: Date;
      readonly backlog?: boolean;
      readonly missed?: MissedSpan;
    }
  | { readonly kind: 'remove'; readonly runTimes: readonly Date[]; readonly missed?: MissedSpan };

/**
 * Fire times a job skipped because they were later than its `misfire_grace_time`.
 *
 * @example
 * const span: MissedSpan = { count: 3600, first: new Date('2026-01-01T00:00:00Z'), last: new Date('2026-01-01T00:59:59Z') }
 */
export interface MissedSpan {
  /** How many, when the trigger can say without walking them (interval, date); null for cron. */
  readonly count: number | null;
  readonly first: Date;
  readonly last: Date;
}

/**
 * A due job as it was when acquired, with what `advance` decided for it.
 *
 * @example
 * for (const { job, advance } of acquired) submit(job, advance.runTimes)
 */
export interface AcquiredJob {
  readonly job: Job;
  /** In a cluster, `runTimes` holds only the run times this node claimed. */
  readonly advance: JobAdvance;
  /** A cluster store refused the run times: the job's `max_instances` runs are going on elsewhere (recorded as skipped). */
  readonly refused?: 'max_instances';
}
