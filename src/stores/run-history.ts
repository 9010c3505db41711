/**
 * Run history: what became of each scheduled and each manual run of each job. A store that keeps it exposes a
 * {@link RunHistory} as `JobStore.runHistory`; the scheduler records every outcome there.
 *
 * @example
 * const runs = await store.runHistory?.getRuns('nightly', { limit: 10 })
 */

/**
 * - `claimed`: a cluster node took the run (not started yet; its lease says until when)
 * - `running`: started, not finished
 * - `ok` / `error`: the task returned / threw
 * - `missed`: too late to start (`misfire_grace_time`)
 * - `skipped_max_instances`: not started, `max_instances` runs of the job were going on
 * - `died`: started on a node that stopped before finishing (its lease ran out); never retried
 *
 * @example
 * const failed = (await scheduler.getRuns('report')).filter((run) => run.status === 'error')
 */
export type RunStatus = 'claimed' | 'running' | 'ok' | 'error' | 'missed' | 'skipped_max_instances' | 'died';

/** The statuses a run ends in. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['ok', 'error', 'missed', 'skipped_max_instances', 'died'];

/**
 * What started a run: `scheduled` (its trigger's fire time) or `manual` (`Scheduler.runJob`,
 * `POST /jobs/:id/run`).
 */
export type RunTrigger = 'scheduled' | 'manual';

/**
 * One run of one job. A scheduled run is keyed by `(jobId, scheduledRunTime)`; a manual run, whose
 * `scheduledRunTime` is when it was asked for, also by its `manualRunId`, so it never replaces a
 * scheduled run (or another manual run) of the same millisecond.
 *
 * @example
 * const [latest] = await scheduler.getRuns('report', { limit: 1 })
 * console.log(latest?.status, latest?.durationMs)
 */
export interface RunRecord {
  readonly jobId: string;
  /** The fire time; for a manual run, when `runJob` was called. */
  readonly scheduledRunTime: Date;
  readonly trigger: RunTrigger;
  /** Unique per manual run; null for scheduled runs. */
  readonly manualRunId: string | null;
  /** The scheduler process that ran it (or last owned it). */
  readonly nodeId: string;
  readonly status: RunStatus;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly errorMessage: string | null;
  readonly durationMs: number | null;
}

/**
 * How much history to keep; both limits apply.
 *
 * @example
 * new Scheduler({ runRetention: { maxPerJob: 500, maxAgeMs: 7 * 24 * 3600 * 1000 } })
 */
export interface RunRetention {
  /** Newest runs kept per job (default 100). */
  readonly maxPerJob?: number;
  /** Runs older than this (by scheduled time) are dropped (default 30 days). */
  readonly maxAgeMs?: number;
}

/**
 * The run history kept when `runRetention` leaves a limit out: 100 runs per job, 30 days.
 *
 * @example
 * new Scheduler({ runRetention: { ...DEFAULT_RUN_RETENTION, maxPerJob: 500 } })
 */
export const DEFAULT_RUN_RETENTION: Required<RunRetention> = { maxPerJob: 100, maxAgeMs: 30 * 24 * 3600 * 1000 };

/**
 * Where a store keeps run history. Writes are idempotent on `(jobId, scheduledRunTime, manualRunId)`:
 * a record replaces the one with the same key.
 *
 * @example
 * const runs = await store.getRuns('report', { limit: 10 })
 */
export interface RunHistory {
  /** Inserts or replaces records, in one batch. */
  recordRuns(runs: readonly RunRecord[]): Promise<void>;
  /** Runs of a job, newest scheduled time first, at most `limit` (default 20). */
  getRuns(jobId: string, options?: { readonly limit?: number }): Promise<RunRecord[]>;
  /** The newest run of each given job that has one. */
  lastRuns(jobIds: readonly string[]): Promise<Map<string, RunRecord>>;
  /**
   * Deletes finished runs beyond `retention`, at most `batchSize` rows; returns how many it deleted
   * (call again while it returns `batchSize`). Live (`claimed`/`running`) runs are never trimmed.
   */
  trimRuns(retention: RunRetention, now: Date, batchSize: number): Promise<number>;
}
