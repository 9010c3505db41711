import type { Clock } from '../clock/clock.js';
import { JobStoreUnavailableError } from '../errors.js';
import { runKey, type RunTransition } from '../stores/cluster-coordination.js';
import type { JobStore } from '../stores/job-store.js';
import type { RunRecord, RunStatus } from '../stores/run-history.js';
import { Batcher } from './batcher.js';
import type { Logger } from './logger.js';

/** How often, and how long, a failed history write is retried (the database may be coming back). */
const RETRY_DELAYS_MS = [250, 1000, 4000, 15_000, 30_000];

/**
 * The scheduler's side of run history and of cluster claims: marks runs started (in a cluster,
 * only if this node still owns the claim) and records how each ended, batching the writes per
 * store. A store without run history gets none of it.
 *
 * @example
 * if (await runLog.begin(store, job.id, runTime)) { … run it … ; runLog.finish(store, …) }
 */
export class RunLog {
  private readonly records = new Map<JobStore, Batcher<RunRecord, void>>();
  private readonly transitions = new Map<JobStore, Batcher<RunTransition, boolean>>();
  private readonly reported = new WeakSet<object>();

  constructor(
    private readonly nodeId: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * About to start a run. In a cluster: true only if this node still holds the claim (it becomes
   * `running`); false when another node took it over, or the database could not say.
   */
  async begin(store: JobStore, jobId: string, scheduledRunTime: Date): Promise<boolean> {
    return this.transition(store, { jobId, scheduledRunTime, status: 'running' });
  }

  /** The run was too late to start. False when, in a cluster, it was no longer this node's. */
  async missed(store: JobStore, jobId: string, scheduledRunTime: Date): Promise<boolean> {
    if (store.cluster) return this.transition(store, { jobId, scheduledRunTime, status: 'missed' });
    this.finish(store, { jobId, scheduledRunTime, status: 'missed' });
    return true;
  }

  /** Records how a run ended (not awaited: writes are batched and retried). */
  finish(
    store: JobStore,
    run: { jobId: string; scheduledRunTime: Date; status: RunStatus; startedAt?: Date; errorMessage?: string | null },
  ): void {
    const history = store.runHistory;
    if (!history) return;
    const finishedAt = this.clock.now();
    const record: RunRecord = {
      jobId: run.jobId,
      scheduledRunTime: run.scheduledRunTime,
      nodeId: this.nodeId,
      status: run.status,
      startedAt: run.startedAt ?? null,
      finishedAt,
      errorMessage: run.errorMessage ?? null,
      durationMs: run.startedAt ? finishedAt.getTime() - run.startedAt.getTime() : null,
    };
    let batcher = this.records.get(store);
    if (!batcher) {
      batcher = new Batcher((records) => this.writeWithRetry(() => history.recordRuns(records)).then(() => records.map(() => undefined)));
      this.records.set(store, batcher);
    }
    // A failed batch is logged once (by the first of its records), not once per record.
    batcher.add(record).catch((error: unknown) => {
      if (typeof error === 'object' && error !== null) {
        if (this.reported.has(error)) return;
        this.reported.add(error);
      }
      if (error instanceof JobStoreUnavailableError) this.logger.error(`Recording run outcomes failed (${error.message}); they are lost from the history`);
      else this.logger.error('Recording run outcomes failed; they are lost from the history', error);
    });
  }

  /** Waits for every write queued so far. */
  async flush(): Promise<void> {
    await Promise.all([...this.transitions.values(), ...this.records.values()].map((batcher) => batcher.drain()));
  }

  private async transition(store: JobStore, run: RunTransition): Promise<boolean> {
    const cluster = store.cluster;
    if (!cluster) return true;
    let batcher = this.transitions.get(store);
    if (!batcher) {
      batcher = new Batcher(async (runs) => {
        let owned: ReadonlySet<string>;
        try {
          owned = await cluster.startRuns(runs, this.clock.now());
        } catch (error) {
          // Not knowing is not owning: the claims' leases run out and a node that can reach the database decides.
          const detail = error instanceof JobStoreUnavailableError ? [] : [error];
          this.logger.error(`Could not mark ${runs.length} run(s) as started; leaving them to the cluster`, ...detail);
          return runs.map(() => false);
        }
        return runs.map((item) => {
          const mine = owned.has(runKey(item.jobId, item.scheduledRunTime));
          if (!mine) this.logger.warn(`Run of job "${item.jobId}" at ${item.scheduledRunTime.toISOString()} was taken over by another node; not starting it here`);
          return mine;
        });
      });
      this.transitions.set(store, batcher);
    }
    return batcher.add(run);
  }

  private async writeWithRetry(write: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined) throw error;
        // An unreachable store was logged once, by its health.
        if (!(error instanceof JobStoreUnavailableError)) this.logger.warn(`Writing run history failed (${(error as Error).message}); retrying in ${delay} ms`);
        await new Promise<void>((resolve) => this.clock.setTimer(resolve, delay));
      }
    }
  }
}
