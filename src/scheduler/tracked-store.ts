import type { Job } from '../jobs/job.js';
import type { ClusterCoordination } from '../stores/cluster-coordination.js';
import type { AcquiredJob, JobAdvance, JobCounts, JobPage, JobStore, StoreContext } from '../stores/job-store.js';
import type { RunHistory } from '../stores/run-history.js';
import type { StoreHealth } from './store-health.js';

/**
 * A job store as the scheduler sees it: every call (jobs, due passes, run history, cluster
 * claims and heartbeats) goes to the real store through its {@link StoreHealth}, so whichever part
 * of the scheduler meets an outage first, the store's state and its one log line follow, and the
 * error it throws names the store. `StoreRegistry` hands out only these.
 *
 * @example
 * const store = new TrackedJobStore(new MemoryJobStore(), new StoreHealth('default', clock, logger))
 */
export class TrackedJobStore implements JobStore {
  private trackedHistory: { readonly inner: RunHistory; readonly tracked: RunHistory } | null = null;
  private trackedCluster: { readonly inner: ClusterCoordination; readonly tracked: ClusterCoordination } | null = null;

  constructor(
    /** The store itself. */
    readonly inner: JobStore,
    readonly health: StoreHealth,
  ) {}

  open(context: StoreContext): Promise<void> {
    return this.health.track('write', () => this.inner.open(context));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  addJob(job: Job, options?: { readonly replaceExisting?: boolean }): Promise<void> {
    return this.health.track('write', () => this.inner.addJob(job, options));
  }

  addJobs(jobs: readonly Job[], options?: { readonly replaceExisting?: boolean }): Promise<void> {
    return this.health.track('write', async () => {
      if (this.inner.addJobs) return this.inner.addJobs(jobs, options);
      for (const job of jobs) await this.inner.addJob(job, options);
    });
  }

  updateJob(job: Job): Promise<void> {
    return this.health.track('write', () => this.inner.updateJob(job));
  }

  removeJob(id: string): Promise<void> {
    return this.health.track('write', () => this.inner.removeJob(id));
  }

  removeAllJobs(): Promise<void> {
    return this.health.track('write', () => this.inner.removeAllJobs());
  }

  lookupJob(id: string): Promise<Job | null> {
    return this.health.track('read', () => this.inner.lookupJob(id));
  }

  getJobs(page?: JobPage): Promise<Job[]> {
    return this.health.track('read', () => this.inner.getJobs(page));
  }

  get countJobs(): (() => Promise<JobCounts>) | undefined {
    const count = this.inner.countJobs?.bind(this.inner);
    if (!count) return undefined;
    return () => this.health.track('read', count);
  }

  getNextRunTime(excluding?: ReadonlySet<string>): Promise<Date | null> {
    return this.health.track('read', () => this.inner.getNextRunTime(excluding));
  }

  acquireDueJobs(now: Date, limit: number, advance: (job: Job) => JobAdvance, excluding?: ReadonlySet<string>): Promise<AcquiredJob[]> {
    return this.health.track('write', () => this.inner.acquireDueJobs(now, limit, advance, excluding));
  }

  get runHistory(): RunHistory | undefined {
    const inner = this.inner.runHistory;
    if (!inner) return undefined;
    // One wrapper per history object: the run log keys its batches by it.
    if (this.trackedHistory?.inner !== inner) this.trackedHistory = { inner, tracked: trackHistory(inner, this.health) };
    return this.trackedHistory.tracked;
  }

  get cluster(): ClusterCoordination | null {
    const inner = this.inner.cluster;
    if (!inner) return null;
    if (this.trackedCluster?.inner !== inner) this.trackedCluster = { inner, tracked: trackCoordination(inner, this.health) };
    return this.trackedCluster.tracked;
  }
}

// Every argument is passed on (rest parameters): a parameter added to the interface later cannot be
// dropped here without the compiler seeing it.
function trackHistory(history: RunHistory, health: StoreHealth): RunHistory {
  type Of<K extends keyof RunHistory> = Parameters<RunHistory[K]>;
  return {
    recordRuns: (...args: Of<'recordRuns'>) => health.track('write', () => history.recordRuns(...args)),
    getRuns: (...args: Of<'getRuns'>) => health.track('read', () => history.getRuns(...args)),
    lastRuns: (...args: Of<'lastRuns'>) => health.track('read', () => history.lastRuns(...args)),
    trimRuns: (...args: Of<'trimRuns'>) => health.track('write', () => history.trimRuns(...args)),
  };
}

function trackCoordination(cluster: ClusterCoordination, health: StoreHealth): ClusterCoordination {
  type Of<K extends keyof ClusterCoordination> = Parameters<ClusterCoordination[K]>;
  return {
    startRuns: (...args: Of<'startRuns'>) => health.track('write', () => cluster.startRuns(...args)),
    heartbeat: (...args: Of<'heartbeat'>) => health.track('write', () => cluster.heartbeat(...args)),
    takeOverExpiredRuns: (...args: Of<'takeOverExpiredRuns'>) => health.track('write', () => cluster.takeOverExpiredRuns(...args)),
    liveNodes: (...args: Of<'liveNodes'>) => health.track('read', () => cluster.liveNodes(...args)),
    leave: (...args: Of<'leave'>) => health.track('write', () => cluster.leave(...args)),
  };
}
