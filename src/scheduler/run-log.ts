import type { Clock, TimerHandle } from '../clock/clock.js';
import { JobStoreUnavailableError } from '../errors.js';
import { runKey, type RunTransition } from '../stores/cluster-coordination.js';
import type { JobStore } from '../stores/job-store.js';
import type { RunRecord, RunStatus } from '../stores/run-history.js';
import { Batcher, SharedBatcher } from '../util/batcher.js';
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
  private readonly records = new Map<JobStore, SharedBatcher<RunRecord>>();
  private readonly transitions = new Map<JobStore, Batcher<RunTransition, boolean>>();
  /** Retries waiting for their delay: `stopRetrying` ends them at once. */
  private readonly waiting = new Set<{ handle: TimerHandle; resolve: () => void }>();
  private retrying = true;

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
    void this.finish(store, { jobId, scheduledRunTime, status: 'missed' });
    return true;
  }

  /**
   * Records how a run ended. Writes are batched and retried; the promise (which never rejects: a
   * lost write is logged) says when this one is written, for a caller that must read it back.
   * A `manualRunId` marks a manual run.
   */
  finish(
    store: JobStore,
    run: { jobId: string; scheduledRunTime: Date; status: RunStatus; startedAt?: Date; errorMessage?: string | null; manualRunId?: string },
  ): Promise<void> {
    const history = store.runHistory;
    if (!history) return Promise.resolve();
    const finishedAt = this.clock.now();
    const record: RunRecord = {
      jobId: run.jobId,
      scheduledRunTime: run.scheduledRunTime,
      trigger: run.manualRunId === undefined ? 'scheduled' : 'manual',
      manualRunId: run.manualRunId ?? null,
      nodeId: this.nodeId,
      status: run.status,
      startedAt: run.startedAt ?? null,
      finishedAt,
      errorMessage: run.errorMessage ?? null,
      durationMs: run.startedAt ? finishedAt.getTime() - run.startedAt.getTime() : null,
    };
    let batcher = this.records.get(store);
    if (!batcher) {
      // A failed batch is logged once, not once per record; the promise never rejects.
      batcher = new SharedBatcher((records) =>
        this.writeWithRetry(() => history.recordRuns(records)).catch((error: unknown) => {
          if (error instanceof JobStoreUnavailableError) this.logger.error(`Recording run outcomes failed (${error.message}); they are lost from the history`);
          else this.logger.error('Recording run outcomes failed; they are lost from the history', error);
        }),
      );
      this.records.set(store, batcher);
    }
    return batcher.add(record);
  }

  /**
   * Gives up on failed writes instead of retrying them (their records are logged as lost), and
   * clears the retry timers, so a shutdown neither waits for nor leaves behind a retry. Writes
   * queued from now on get one attempt each.
   */
  stopRetrying(): void {
    this.retrying = false;
    for (const wait of this.waiting) {
      this.clock.clearTimer(wait.handle);
      wait.resolve();
    }
    this.waiting.clear();
  }

  /** Retries failed writes again (a new start after `stopRetrying`). */
  startRetrying(): void {
    this.retrying = true;
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
        await write();
        return;
      } catch (error) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined || !this.retrying) throw error;
        // An unreachable store was logged once, by its health.
        if (!(error instanceof JobStoreUnavailableError)) this.logger.warn(`Writing run history failed (${(error as Error).message}); retrying in ${delay} ms`);
        await new Promise<void>((resolve) => {
          const wait = { handle: this.clock.setTimer(() => done(), delay), resolve: () => done() };
          const done = () => {
            this.waiting.delete(wait);
            resolve();
          };
          this.waiting.add(wait);
        });
        if (!this.retrying) throw error;
      }
    }
  }
}
