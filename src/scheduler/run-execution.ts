import type { Clock } from '../clock/clock.js';
import type { TaskInvoker } from '../executors/executor.js';
import type { Job } from '../jobs/job.js';
import type { JobStore, MissedSpan } from '../stores/job-store.js';
import type { ResolvedTask } from '../tasks/task-registry.js';
import type { EventBus } from './events.js';
import type { Logger } from './logger.js';
import type { RunLog } from './run-log.js';
import { isPromiseLike } from '../util/promise-like.js';

/** How one task call ended. */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** The run-history status and message of an outcome. */
export function statusOf(outcome: Outcome): { status: 'ok' | 'error'; errorMessage: string | null } {
  if (outcome.ok) return { status: 'ok', errorMessage: null };
  return { status: 'error', errorMessage: String((outcome.error as Error).message ?? outcome.error) };
}

/** What running a submission's run times needs; the dispatcher passes its own. */
export interface RunExecutionParts {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: EventBus;
  readonly runLog: RunLog;
}

/**
 * The body of a submission, what runs inside the executor's slot (APScheduler's `run_job`): for each
 * run time, the misfire check, in a cluster the "started" mark (only if the claim is still this
 * node's), the task call, its event, and its run-history record. The dispatcher decides which runs
 * are submitted; this does them.
 *
 * @example
 * const runs = new RunExecution({ clock, logger, events, runLog })
 * await executor.submit((invoke) => runs.inOrder(invoke, 'default', store, job, task, runTimes, null))
 */
export class RunExecution {
  constructor(private readonly parts: RunExecutionParts) {}

  /**
   * One log line, one `job_missed` event and one run-history row (at the latest missed time) for a
   * span of missed runs, however many it holds. `record`: the history row is written here (in a
   * cluster, runs missed at execution time were each marked on their claim already).
   */
  reportMissed(jobstore: string, store: JobStore, job: Job, span: MissedSpan, record: boolean): void {
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

  /** The body of one submission: each run time that is not too late, and still this node's, is run and recorded. */
  async inOrder(
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
   * {@link inOrder} for one run time outside a cluster, without an async frame: the same
   * misfire check, events and run-history record. A task that answers at once (not async, called
   * in this thread) has its outcome reported before this returns, and undefined is returned: no
   * promise at all; otherwise one, instead of three.
   */
  once(invoke: TaskInvoker, jobstore: string, store: JobStore, job: Job, task: ResolvedTask, scheduledRunTime: Date): Promise<void> | undefined {
    const startedAt = this.parts.clock.now();
    if (job.misfireGraceTime !== null && startedAt.getTime() - scheduledRunTime.getTime() > job.misfireGraceTime * 1000) {
      this.reportMissed(jobstore, store, job, { first: scheduledRunTime, last: scheduledRunTime, count: 1 }, true);
      return undefined;
    }
    const record = (outcome: Outcome) => void this.parts.runLog.finish(store, { jobId: job.id, scheduledRunTime, startedAt, ...statusOf(outcome) });
    let called: unknown;
    try {
      called = invoke({ task, args: job.args, kwargs: job.kwargs, jobId: job.id, scheduledRunTime });
    } catch (error) {
      record(this.failed(jobstore, job, scheduledRunTime, startedAt, error));
      return undefined;
    }
    if (!isPromiseLike(called)) {
      record(this.executed(jobstore, job, scheduledRunTime, startedAt, called));
      return undefined;
    }
    return Promise.resolve(called).then(
      (retval) => record(this.executed(jobstore, job, scheduledRunTime, startedAt, retval)),
      (error: unknown) => record(this.failed(jobstore, job, scheduledRunTime, startedAt, error)),
    );
  }

  /** Calls the task once and emits `job_executed` or `job_error`. */
  async invokeAndReport(
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
}
