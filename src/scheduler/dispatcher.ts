import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock/clock.js';
import { MaxInstancesReachedError, SchedulerNotRunningError, UnknownComponentError } from '../errors.js';
import type { Executor, Submission, TaskInvoker } from '../executors/executor.js';
import type { Job } from '../jobs/job.js';
import type { ClaimedRuns } from '../stores/cluster-coordination.js';
import type { AcquiredJob, JobStore, MissedSpan } from '../stores/job-store.js';
import type { ResolvedTask, TaskRegistry } from '../tasks/task-registry.js';
import type { EventBus } from './events.js';
import type { Logger } from './logger.js';
import type { RunLog } from './run-log.js';
import type { StoreRegistry } from './store-registry.js';

/** How one task call ended. */
type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** The run-history status and message of an outcome. */
function statusOf(outcome: Outcome): { status: 'ok' | 'error'; errorMessage: string | null } {
  if (outcome.ok) return { status: 'ok', errorMessage: null };
  return { status: 'error', errorMessage: String((outcome.error as Error).message ?? outcome.error) };
}

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
 * From due run times to task calls (APScheduler's `_process_jobs` body and `BaseExecutor.run_job`):
 * applies `max_instances` (counting this process's instances), hands the runs to the job's
 * executor, and inside the submission applies `misfire_grace_time`, calls the task, records each
 * outcome in the run log and emits the events. The executor only ever calls the submission it was
 * given; nothing here calls back into the scheduler.
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

  constructor(private readonly parts: DispatcherParts) {}

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
    if (advance.missed) this.reportMissed(jobstore, this.parts.stores.store(jobstore), job, advance.missed, true);
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
    const submission: Submission = single
      ? (invoke) => this.runOnce(invoke, jobstore, store, job, task, single)
      : (invoke) => this.runInOrder(invoke, jobstore, store, job, task, runTimes, writes);
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
    return executor.submit(submission).then(
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
   * One log line, one `job_missed` event and one run-history row (at the latest missed time) for a
   * span of missed runs, however many it holds. `record`: the history row is written here (in a
   * cluster, runs missed at execution time were each marked on their claim already).
   */
  private reportMissed(jobstore: string, store: JobStore, job: Job, span: MissedSpan, record: boolean): void {
    const { clock, events, logger, runLog } = this.parts;
    if (span.count === 1) {
      logger.warn(`Run time of job "${job.id}" was missed by ${clock.now().getTime() - span.last.getTime()} ms`);
    } else {
      const count = span.count === null ? '' : ` ${span.count.toLocaleString('en-US')}`;
      logger.warn(`Job "${job.id}" missed${count} runs between ${span.first.toISOString()} and ${span.last.toISOString()}`);
    }
    if (record) void runLog.finish(store, { jobId: job.id, scheduledRunTime: span.last, status: 'missed' });
    events.emit({
      kind: 'job_missed',
      jobId: job.id,
      jobstore,
      scheduledRunTime: span.last,
      missedRuns: span.count,
      firstScheduledRunTime: span.first,
    });
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
        outcome = await this.invokeAndReport(invoke, jobstore, job, task, runTime, startedAt);
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

  /** The body of one submission: each run time that is not too late, and still this node's, is run and recorded. */
  private async runInOrder(
    invoke: TaskInvoker,
    jobstore: string,
    store: JobStore,
    job: Job,
    task: ResolvedTask,
    runTimes: readonly Date[],
    writes: Set<Promise<void>> | null,
  ): Promise<void> {
    const { clock, runLog } = this.parts;
    // Consecutive runs found too late are reported as one span, not one line each.
    const pending: { missed: { first: Date; last: Date; count: number } | null } = { missed: null };
    const reportMissed = () => {
      if (pending.missed) this.reportMissed(jobstore, store, job, pending.missed, !store.cluster);
      pending.missed = null;
    };
    for (const scheduledRunTime of runTimes) {
      const now = clock.now();
      const lateMs = now.getTime() - scheduledRunTime.getTime();
      if (job.misfireGraceTime !== null && lateMs > job.misfireGraceTime * 1000) {
        // In a cluster each claim is marked missed (the span's row is then the last claim's).
        if (store.cluster && !(await runLog.missed(store, job.id, scheduledRunTime))) continue;
        const { missed } = pending;
        pending.missed = missed ? { ...missed, last: scheduledRunTime, count: missed.count + 1 } : { first: scheduledRunTime, last: scheduledRunTime, count: 1 };
        continue;
      }
      reportMissed();
      // In a cluster the claim may have been taken over meanwhile: then it is not ours to run.
      // (Outside a cluster every run is ours: no await, which a burst of thousands of runs feels.)
      let startedAt = now;
      if (store.cluster) {
        if (!(await runLog.begin(store, job.id, scheduledRunTime))) continue;
        startedAt = clock.now();
      }
      const outcome = await this.invokeAndReport(invoke, jobstore, job, task, scheduledRunTime, startedAt);
      const recorded = runLog.finish(store, { jobId: job.id, scheduledRunTime, startedAt, ...statusOf(outcome) });
      writes?.add(recorded);
    }
    reportMissed();
  }

  /**
   * {@link runInOrder} for one run time outside a cluster, without an async frame: the same
   * misfire check, events and run-history record, one promise instead of three.
   */
  private runOnce(invoke: TaskInvoker, jobstore: string, store: JobStore, job: Job, task: ResolvedTask, scheduledRunTime: Date): Promise<void> {
    const startedAt = this.parts.clock.now();
    if (job.misfireGraceTime !== null && startedAt.getTime() - scheduledRunTime.getTime() > job.misfireGraceTime * 1000) {
      this.reportMissed(jobstore, store, job, { first: scheduledRunTime, last: scheduledRunTime, count: 1 }, true);
      return Promise.resolve();
    }
    let called: Promise<unknown>;
    try {
      called = invoke({ task, args: job.args, kwargs: job.kwargs, jobId: job.id, scheduledRunTime });
    } catch (error) {
      called = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const record = (outcome: Outcome) => void this.parts.runLog.finish(store, { jobId: job.id, scheduledRunTime, startedAt, ...statusOf(outcome) });
    return called.then(
      (retval) => record(this.executed(jobstore, job, scheduledRunTime, startedAt, retval)),
      (error: unknown) => record(this.failed(jobstore, job, scheduledRunTime, startedAt, error)),
    );
  }

  /** Calls the task once and emits `job_executed` or `job_error`. */
  private async invokeAndReport(
    invoke: TaskInvoker,
    jobstore: string,
    job: Job,
    task: ResolvedTask,
    scheduledRunTime: Date,
    startedAt: Date,
  ): Promise<Outcome> {
    try {
      const retval = await invoke({ task, args: job.args, kwargs: job.kwargs, jobId: job.id, scheduledRunTime });
      return this.executed(jobstore, job, scheduledRunTime, startedAt, retval);
    } catch (error) {
      return this.failed(jobstore, job, scheduledRunTime, startedAt, error);
    }
  }

  private executed(jobstore: string, job: Job, scheduledRunTime: Date, startedAt: Date, retval: unknown): Outcome {
    this.parts.events.emit({ kind: 'job_executed', jobId: job.id, jobstore, scheduledRunTime, startedAt, retval });
    return { ok: true, value: retval };
  }

  private failed(jobstore: string, job: Job, scheduledRunTime: Date, startedAt: Date, error: unknown): Outcome {
    const exception = error instanceof Error ? error : new Error(String(error));
    this.parts.logger.error(`Job "${job.id}" raised an error`, exception);
    this.parts.events.emit({ kind: 'job_error', jobId: job.id, jobstore, scheduledRunTime, startedAt, exception });
    return { ok: false, error: exception };
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
