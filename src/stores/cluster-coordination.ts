import type { Job } from '../jobs/job.js';

/**
 * What a store shared by a cluster of scheduler processes does beyond `JobStore`: the life of a
 * claimed run, node heartbeats, and taking over what a dead node left. Implemented for PostgreSQL
 * by `PostgresCoordination` (sql/postgres-coordination.ts).
 *
 * @example
 * const started = await store.cluster?.startRuns([{ jobId: 'j', scheduledRunTime, status: 'running' }], now)
 */
export interface ClusterCoordination {
  /**
   * Moves runs this node claimed to `running` (about to start) or `missed` (too late); returns the
   * {@link runKey}s it still owned. A run missing from the answer was taken over: do not start it.
   */
  startRuns(runs: readonly RunTransition[], now: Date): Promise<ReadonlySet<string>>;
  /** Records this node as alive and renews the leases of its claimed and running runs. */
  heartbeat(now: Date): Promise<void>;
  /**
   * Claims runs whose owner's lease expired: a `claimed` run becomes this node's (to run, subject to
   * the misfire rules; refused when `max_instances` runs of the job are going on), a `running` one
   * is marked `died`. Returns the claimed ones grouped by job.
   */
  takeOverExpiredRuns(now: Date, limit: number): Promise<ClaimedRuns[]>;
  /** Nodes whose last heartbeat is at or after `since`. */
  liveNodes(since: Date): Promise<ClusterNode[]>;
  /** A clean stop: drops this node's row and lets others take its unstarted claims at once. */
  leave(now: Date): Promise<void>;
}

/**
 * Run times of one job this node now holds (or, `refused`, recorded as skipped).
 *
 * @example
 * for (const { job, runTimes, refused } of claimed) if (!refused) submit(job, runTimes)
 */
export interface ClaimedRuns {
  readonly job: Job;
  readonly runTimes: readonly Date[];
  readonly refused?: 'max_instances';
}

/**
 * A claimed run that started on this node (`running`) or was too late to (`missed`).
 *
 * @example
 * const started: RunTransition = { jobId: 'report', scheduledRunTime, status: 'running' }
 */
export interface RunTransition {
  readonly jobId: string;
  readonly scheduledRunTime: Date;
  readonly status: 'running' | 'missed';
}

/**
 * A member of the cluster, as its heartbeat row says.
 *
 * @example
 * const node: ClusterNode = { nodeId, hostname: 'web-1', pid: 4242, startedAt, heartbeatAt }
 */
export interface ClusterNode {
  readonly nodeId: string;
  readonly hostname: string;
  readonly pid: number;
  readonly startedAt: Date;
  readonly heartbeatAt: Date;
}

/** The key of one run: job id and scheduled time. */
export function runKey(jobId: string, scheduledRunTime: Date | number): string {
  return `${typeof scheduledRunTime === 'number' ? scheduledRunTime : scheduledRunTime.getTime()}\u0000${jobId}`;
}
