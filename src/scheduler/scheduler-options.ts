import type { Clock } from '../clock/clock.js';
import type { Executor } from '../executors/executor.js';
import type { JobDefaults } from '../jobs/job.js';
import type { JobPage, JobStore } from '../stores/job-store.js';
import type { RunRetention } from '../stores/run-history.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import type { ClusterTiming } from './cluster-membership.js';
import type { Logger } from './logger.js';

/**
 * @example
 * new Scheduler({
 *   jobstores: { default: 'sqlite:./data/jobs.sqlite', scratch: 'memory:' },
 *   jobDefaults: { misfireGraceTime: 30 },
 *   timezone: 'Europe/London',
 * })
 */
export interface SchedulerOptions {
  /** Named job stores (instances or store URLs); `default` is a memory store unless given. */
  readonly jobstores?: Readonly<Record<string, JobStore | string>>;
  /** Named executors; `default` is an `AsyncExecutor` (10 at once) unless given. */
  readonly executors?: Readonly<Record<string, Executor>>;
  readonly jobDefaults?: Partial<JobDefaults>;
  /** IANA zone for triggers that name none (default UTC). */
  readonly timezone?: string;
  readonly clock?: Clock;
  /** Where `func` references resolve; shared with the REST layer. */
  readonly tasks?: TaskRegistry;
  readonly logger?: Logger;
  /** Hosts the scheduler may start on, as Flask-APScheduler's `SCHEDULER_ALLOWED_HOSTS` (`*` = any). */
  readonly allowedHosts?: readonly string[];
  /** This machine's name for `allowedHosts` (default `os.hostname()`). */
  readonly hostname?: string;
  /** Due jobs fetched per store query. */
  readonly batchSize?: number;
  /** This process's name in a cluster and in run history; default `host:pid:random`. */
  readonly nodeId?: string;
  /** Timing of cluster membership, for stores shared by several processes (PostgreSQL). */
  readonly cluster?: ClusterTiming;
  /** How much run history to keep (default 100 runs per job, 30 days), trimmed every `trimEveryMs` (default 60 s). */
  readonly runRetention?: RunRetention & { readonly trimEveryMs?: number };
}

/**
 * Where to look up jobs; all stores when no `jobstore` is given.
 *
 * @example
 * await scheduler.getJobs({ jobstore: 'default', limit: 50, after: 'report' })
 */
export interface JobQuery extends JobPage {
  readonly jobstore?: string;
}
