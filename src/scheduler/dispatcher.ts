import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock/clock.js';
import { MaxInstancesReachedError, SchedulerNotRunningError, UnknownComponentError } from '../errors.js';
import type { Executor, InlineSubmission } from '../executors/executor.js';
import type { Job } from '../jobs/job.js';
import type { ClaimedRuns } from '../stores/cluster-coordination.js';
import type { AcquiredJob } from '../stores/job-store.js';
import type { ResolvedTask, TaskRegistry } from '../tasks/task-registry.js';
import type { EventBus } from './events.js';
import type { Logger } from './logger.js';
import type { RunLog } from './run-log.js';
import { RunExecution, statusOf, type Outcome } from './run-execution.js';
import type { StoreRegistry } from './store-registry.js';


/** What the dispatcher works with; the scheduler makes one of each and passes them in. */
export interface DispatcherParts {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tasks: TaskRegistry;
  readonly stores: StoreRegistry;
  readonly executors: ReadonlyMap<string, Executor>;
  readonly runLog: RunLog;
  readonly events: EventBus;
  /** A job that was catching up a backlog may be handed out again (its batch has run): look again. */
  readonly onCatchUpDone?: () => void;
}

/**
 * How {@link Dispatcher.submitRuns} left a job: handed to its executor (a promise that settles when
 * run, or `submitted` when no one asked to follow it), blocked by max_instances, or neither.
 */
type Submitted = Promise<void> | 'submitted' | 'max_instances' | null;

/**
 * From due run times to submissions (APScheduler's `_process_jobs` body): applies `max_instances`
 * (counting this process's instances), holds a backlog's job back until its batch has run, and hands
 * the runs to the job's executor as a submission whose body is {@link RunExecution}'s (misfire
 * check, task call, events, run-history record). The executor only ever calls the submission it
 * was given; nothing here calls back into the scheduler.
 *
 * @example
 * const dispatcher = new Dispatcher({ clock, logger, tasks, stores, executors, runLog, events })
 * for (const item of await store.acquireDueJobs(now, 100, (job) => advanceDueJob(job, now))) dispatcher.dispatch('default', item)
 */
export class Dispatcher {
  private readonly instances = new Map<string, number>();
  /** Jobs with a backlog whose current batch has not finished, by store: not handed out again until it has. */
  private readonly catchingUp = new Map<string, Set<string>>();
  /** Catching-up jobs whose batch was blocked by max_instances: released when an instance ends. */
  private readonly awaitingInstance = new Map<string, (() => void)[]>();
  private executorsStarted = false;
  /** Submissions handed to an executor that have not settled yet (manual runs aside). */
  private pending = 0;
  /** The wake loop waiting for fewer pending submissions: below how many, and how to wake it. */
  private roomWaiter: { readonly below: number; readonly resolve: () => void } | null = null;

  /** What each submission does in its executor slot. */
  private readonly runs: RunExecution;

  constructor(private readonly parts: DispatcherParts) {
    this.runs = new RunExecution(parts);
  }

  /** Instances of jobs running in this process now (manual runs included). */
  get runningJobs(): number {
    let count = 0;
    for (const running of this.instances.values()) count += running;
    return count;
  }

  /** Scheduled submissions handed to executors and not finished yet (queued for a slot or running). */
  get pendingSubmissions(): number {
    return this.pending;
  }

  /**
   * Back-pressure for the wake loop: null when fewer than `below` submissions are pending, else a
   * promise that resolves once they are (or once `stopWaiting` is called). One waiter at a time: a
   * second call replaces the first, which resolves.
   */
  whenFewerPending(below: number): Promise<void> | null {
    if (this.pending < below) return null;
    this.roomWaiter?.resolve();
    return new Promise<void>((resolve) => (this.roomWaiter = { below, resolve }));
  }

  /** Names of the executors, in configuration order. */
  get executorNames(): string[] {
    return [...this.parts.executors.keys()];
  }

  async startExecutors(): Promise<void> {
    if (this.executorsStarted) return;
    await Promise.all([...this.parts.executors.values()].map((executor) => executor.start()));
    this.executorsStarted = true;
  }

  /** With `wait`, resolves once running and queued submissions have finished; without, drops the queued ones. */
  async shutdownExecutors(options: { readonly wait: boolean }): Promise<void> {
    await Promise.all([...this.parts.executors.values()].map((executor) => executor.shutdown(options)));
    this.executorsStarted = false;
  }

  /**
   * The jobs of a store that are catching up a backlog and must not be handed out yet (pass it to
   * `acquireDueJobs` and `getNextRunTime`). At most one entry per job with a backlog.
   */
  catchingUpIn(jobstore: string): ReadonlySet<string> {
    return this.catchingUp.get(jobstore) ?? NONE;
  }

  /** Hands one job that `acquireDueJobs` gave out (and advanced) to its executor. */
  dispatch(jobstore: string, { job, advance, refused }: AcquiredJob): void {
    if (advance.missed) this.runs.reportMissed(jobstore, this.parts.stores.store(jobstore), job, advance.missed, true);
    if (advance.kind === 'remove') this.parts.events.emit({ kind: 'job_removed', jobId: job.id, jobstore });
    const backlog = advance.kind === 'reschedule' && advance.backlog === true;
    // Only a backlog's batch is followed to its end; every other submission settles by callback.
    const submitted = this.submit(jobstore, job, advance.runTimes, refused, backlog);
    if (backlog) this.holdWhileCatchingUp(jobstore, job.id, submitted);
  }

  /** Runs the given run times of one job, in order, as one instance (skipped when `max_instances` is reached). */
  submitRuns(jobstore: string, { job, runTimes, refused }: ClaimedRuns): Submitted {
    return this.submit(jobstore, job, runTimes, refused, true);
  }

  /** `follow`: the answer is a promise that settles when the runs have (else `submitted`). */
  private submit(jobstore: string, job: Job, runTimes: readonly Date[], refused: ClaimedRuns['refused'], follow: boolean): Submitted {
    if (runTimes.length === 0) return null;
    const { events, logger, runLog } = this.parts;
    const store = this.parts.stores.store(jobstore);
    if (refused) {
      // The store recorded them as skipped: max_instances runs are going on elsewhere in the cluster.
      logger.warn(`Run of job "${job.id}" skipped: maximum number of running instances reached in the cluster (${job.maxInstances})`);
      events.emit({ kind: 'job_max_instances', jobId: job.id, jobstore, scheduledRunTimes: runTimes });
      return null;
    }
    let task: ResolvedTask;
    let executor: Executor;
    try {
      task = this.parts.tasks.resolve(job.func);
      executor = this.executor(job.executor);
    } catch (error) {
      logger.error(`Job "${job.id}" cannot run: ${(error as Error).message}`);
      for (const scheduledRunTime of runTimes) {
        void runLog.finish(store, { jobId: job.id, scheduledRunTime, status: 'error', errorMessage: (error as Error).message });
        events.emit({ kind: 'job_error', jobId: job.id, jobstore, scheduledRunTime, exception: error as Error });
      }
      return null;
    }
    if (!this.claimInstance(job)) {
      logger.warn(`Run of job "${job.id}" skipped: maximum number of running instances reached (${job.maxInstances})`);
      for (const scheduledRunTime of runTimes) void runLog.finish(store, { jobId: job.id, scheduledRunTime, status: 'skipped_max_instances' });
      events.emit({ kind: 'job_max_instances', jobId: job.id, jobstore, scheduledRunTimes: runTimes });
      return 'max_instances';
    }
    events.emit({ kind: 'job_submitted', jobId: job.id, jobstore, scheduledRunTimes: runTimes });
    this.pending++;
    // One settled handler, no promise unless followed: a burst of thousands of runs feels each one.
    // One run outside a cluster (a burst's every job) has nothing to await but the task: no async frame.
    const single = runTimes.length === 1 && !store.cluster ? runTimes[0] : undefined;
    // In a cluster every node (this one's next claim too) counts a job's instances from the runs
    // table, so an instance ends once its last outcome is written there, not when the task returns:
    // else the job's next claim (a backlog's next batch) would count it and be refused. The
    // executor's slot is free meanwhile. (The submission's history writes: one promise per batch.)
    const writes = store.cluster ? new Set<Promise<void>>() : null;
    const submission: InlineSubmission = single
      ? (invoke) => this.runs.once(invoke, jobstore, store, job, task, single)
      : (invoke) => this.runs.inOrder(invoke, jobstore, store, job, task, runTimes, writes);
    // Resolves once the instance has ended (no promise when that is at once: outside a cluster).
    const settled = (failed: boolean, error?: unknown): Promise<void> | undefined => {
      if (failed) logger.error(`Job "${job.id}" could not be submitted`, error);
      if (writes && writes.size > 0) return Promise.all(writes).then(() => this.submissionSettled(job.id));
      this.submissionSettled(job.id);
      return undefined;
    };
    if (!follow && executor.submitThen) {
      executor.submitThen(submission, (failed, error) => void settled(failed, error));
      return 'submitted';
    }
    // `submit` takes a submission that always answers a promise.
    return executor.submit(async (invoke) => submission(invoke)).then(
      () => settled(false),
      (error: unknown) => settled(true, error),
    );
  }

  private submissionSettled(jobId: string): void {
    this.pending--;
    this.releaseInstance(jobId);
    const waiter = this.roomWaiter;
    if (waiter && this.pending < waiter.below) {
      this.roomWaiter = null;
      waiter.resolve();
    }
  }

  /**
   * Keeps a job with a backlog out of the due passes until its batch has run (or, when
   * max_instances blocked it, until a running instance ends): otherwise every pass would hand out
   * its next batch only to skip it, and the loop would spin through the backlog.
   */
  private holdWhileCatchingUp(jobstore: string, jobId: string, submitted: Submitted): void {
    const held = this.catchingUp.get(jobstore) ?? new Set<string>();
    this.catchingUp.set(jobstore, held);
    held.add(jobId);
    const release = () => {
      held.delete(jobId);
      if (held.size === 0 && this.catchingUp.get(jobstore) === held) this.catchingUp.delete(jobstore);
      this.parts.onCatchUpDone?.();
    };
    if (submitted === 'max_instances' && this.instances.has(jobId)) {
      const waiting = this.awaitingInstance.get(jobId) ?? [];
      waiting.push(release);
      this.awaitingInstance.set(jobId, waiting);
    } else if (submitted instanceof Promise) {
      void submitted.finally(release);
    } else {
      release();
    }
  }

  /**
   * Runs a job now, through its executor and within `max_instances`, outside its schedule (what
   * `Scheduler.runJob` does). Resolves with what the task returned; rejects with what it threw.
   * The run is recorded in the run history as a manual run (its own key, so it never replaces a
   * scheduled run of the same millisecond), refused ones as `skipped_max_instances`.
   */
  async runNow(jobstore: string, job: Job): Promise<unknown> {
    const { clock, events, runLog } = this.parts;
    const task = this.parts.tasks.resolve(job.func);
    const executor = this.executor(job.executor);
    const store = this.parts.stores.store(jobstore);
    await this.startExecutors();
    const runTime = clock.now();
    const manualRunId = randomUUID();
    if (!this.claimInstance(job)) {
      void runLog.finish(store, { jobId: job.id, scheduledRunTime: runTime, status: 'skipped_max_instances', manualRunId });
      throw new MaxInstancesReachedError(job.id, job.maxInstances);
    }
    events.emit({ kind: 'job_submitted', jobId: job.id, jobstore, scheduledRunTimes: [runTime] });
    let outcome: Outcome = { ok: false, error: new SchedulerNotRunningError() };
    let recorded = Promise.resolve();
    try {
      await executor.submit(async (invoke) => {
        const startedAt = clock.now();
        outcome = await this.runs.invokeAndReport(invoke, jobstore, job, task, runTime, startedAt);
        recorded = runLog.finish(store, { jobId: job.id, scheduledRunTime: runTime, manualRunId, startedAt, ...statusOf(outcome) });
      });
    } finally {
      this.releaseInstance(job.id);
    }
    // Whoever asked for the run reads it back next (the REST answer's last_run, GET …/runs).
    await recorded;
    const settled = outcome as Outcome;
    if (!settled.ok) throw settled.error;
    return settled.value;
  }

  private executor(name: string): Executor {
    const executor = this.parts.executors.get(name);
    if (!executor) throw new UnknownComponentError(`No executor named "${name}"`);
    return executor;
  }

  private claimInstance(job: Job): boolean {
    const running = this.instances.get(job.id) ?? 0;
    if (running >= job.maxInstances) return false;
    this.instances.set(job.id, running + 1);
    return true;
  }

  private releaseInstance(jobId: string): void {
    const running = (this.instances.get(jobId) ?? 1) - 1;
    if (running <= 0) this.instances.delete(jobId);
    else this.instances.set(jobId, running);
    const waiting = this.awaitingInstance.get(jobId);
    if (waiting) {
      this.awaitingInstance.delete(jobId);
      for (const release of waiting) release();
    }
  }
}

const NONE: ReadonlySet<string> = new Set();
