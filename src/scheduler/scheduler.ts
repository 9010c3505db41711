import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { systemClock, type Clock } from '../clock/clock.js';
import { ValidationError, type JobDeserializationError } from '../errors.js';
import { AsyncExecutor } from '../executors/async-executor.js';
import { DEFAULT_JOB_DEFAULTS, type Job, type JobDefaults } from '../jobs/job.js';
import {
  applyJobChanges,
  parseJobDefinition,
  type DefinitionContext,
  type JobChanges,
  type JobDefinition,
  type TaskDefinition,
} from '../jobs/job-definition.js';
import { sameDefinition } from '../jobs/same-definition.js';
import type { ClaimedRuns } from '../stores/cluster-coordination.js';
import type { JobCounts, NodeIdentity } from '../stores/job-store.js';
import type { RunRecord } from '../stores/run-history.js';
import type { TaskFunction } from '../tasks/task-registry.js';
import { TaskRegistry } from '../tasks/task-registry.js';
import type { Trigger, TriggerKind } from '../triggers/trigger.js';
import { ClusterMembership, DEFAULT_CLUSTER_TIMING, type ClusterInfo } from './cluster-membership.js';
import { Dispatcher } from './dispatcher.js';
import { EventBus, type EventKind, type EventListener } from './events.js';
import { Lifecycle, type SchedulerState } from './lifecycle.js';
import type { Logger } from './logger.js';
import { RunLog } from './run-log.js';
import { RunTrimmer } from './run-trimmer.js';
import type { JobQuery, SchedulerOptions } from './scheduler-options.js';
import type { StoreStatus } from './store-health.js';
import { StoreRegistry } from './store-registry.js';
import { WakeLoop } from './wake-loop.js';

export { DEFAULT_CLUSTER_TIMING, type ClusterInfo, type ClusterTiming } from './cluster-membership.js';
export type { StoreState, StoreStatus } from './store-health.js';
export type { JobQuery, SchedulerOptions } from './scheduler-options.js';
export type { SchedulerState } from './lifecycle.js';

/**
 * The scheduler: keeps jobs in stores, sleeps until the earliest next run time (one timer, no
 * polling), hands due jobs to executors, and applies `misfire_grace_time`, `coalesce` and
 * `max_instances` as APScheduler 3 does. It knows stores, triggers and executors only by their
 * contracts.
 *
 * @example
 * const scheduler = new Scheduler({ jobstores: { default: 'sqlite:./data/jobs.sqlite' } })
 * scheduler.registerTasks('reports', { nightly: async () => { … } })
 * await scheduler.addJob({ id: 'nightly', func: 'reports:nightly', trigger: 'cron', hour: 2 })
 * await scheduler.start()
 */
export class Scheduler {
  readonly tasks: TaskRegistry;
  readonly clock: Clock;
  readonly timezone: string;
  readonly jobDefaults: JobDefaults;
  readonly hostname: string;
  readonly allowedHosts: readonly string[];
  /** This process's node id (`host:pid:random` unless given). */
  readonly nodeId: string;
  private readonly logger: Logger;
  private readonly events: EventBus;
  private readonly stores: StoreRegistry;
  private readonly runTrimmer: RunTrimmer;
  private readonly runLog: RunLog;
  private readonly dispatcher: Dispatcher;
  private readonly loop: WakeLoop;
  private readonly membership: ClusterMembership;
  private readonly lifecycle: Lifecycle;

  constructor(options: SchedulerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.tasks = options.tasks ?? new TaskRegistry();
    this.logger = options.logger ?? console;
    this.timezone = options.timezone ?? 'UTC';
    this.jobDefaults = { ...DEFAULT_JOB_DEFAULTS, ...options.jobDefaults };
    this.hostname = options.hostname ?? os.hostname();
    this.allowedHosts = options.allowedHosts ?? ['*'];
    const batchSize = options.batchSize ?? 500;
    const clock = this.clock;
    const logger = this.logger;
    this.events = new EventBus((error, event) => logger.error(`Event listener for ${event.kind} failed`, error));
    this.nodeId = options.nodeId ?? `${this.hostname}:${process.pid}:${randomBytes(4).toString('hex')}`;
    const timing = { ...DEFAULT_CLUSTER_TIMING, ...options.cluster };
    const node: NodeIdentity = { id: this.nodeId, hostname: this.hostname, pid: process.pid, startedAt: clock.now(), leaseMs: timing.leaseMs };
    const executors = Object.entries(options.executors ?? {});
    const stores = StoreRegistry.of(options.jobstores, (alias) => ({
      onUnreadableJob: (error) => this.reportUnreadable(alias, error),
      node,
      clock,
      wakeUp: (nextRunTime) => this.loop.wakeUpFromStore(nextRunTime),
      warn: (message, error) => logger.warn(`${message} (store "${alias}")`, ...(error === undefined ? [] : [error])),
    }), { clock, logger });
    this.stores = stores;
    this.runTrimmer = new RunTrimmer(new Map(stores.entries()), clock, logger, options.runRetention);
    this.runLog = new RunLog(this.nodeId, clock, logger);
    const withDefault = executors.some(([name]) => name === 'default') ? executors : [['default', new AsyncExecutor()] as const, ...executors];
    const onCatchUpDone = () => this.loop.wakeUpSoon();
    const dispatcher = new Dispatcher({ clock, logger, tasks: this.tasks, stores, executors: new Map(withDefault), runLog: this.runLog, events: this.events, onCatchUpDone });
    this.dispatcher = dispatcher;
    const active = () => this.lifecycle.processing;
    this.loop = new WakeLoop({
      clock,
      logger,
      stores,
      batchSize,
      fallbackPollMs: timing.fallbackPollMs,
      active,
      dispatch: (jobstore, acquired) => dispatcher.dispatch(jobstore, acquired),
      onPass: () => this.runTrimmer.trimWhenDue(() => this.running),
      catchingUp: (jobstore) => dispatcher.catchingUpIn(jobstore),
      room: (below) => dispatcher.whenFewerPending(below),
    });
    const submitRuns = (jobstore: string, claimed: ClaimedRuns): void => {
      void dispatcher.submitRuns(jobstore, claimed);
    };
    this.membership = new ClusterMembership({ clock, logger, stores, node, timing, batchSize, active, submitRuns });
    this.lifecycle = new Lifecycle({
      mayStart: () => this.mayStart(),
      open: () => this.open(),
      openFailed: () => this.dispatcher.shutdownExecutors({ wait: false }).catch(() => undefined),
      started: (paused) => this.started(paused),
      stop: (noWait) => this.stop(noWait),
      paused: () => {
        this.loop.disarm();
        this.events.emit({ kind: 'scheduler_paused' });
      },
      resumed: () => {
        this.events.emit({ kind: 'scheduler_resumed' });
        this.loop.wakeUp();
      },
    });
  }

  /** `stopped`, `running` or `paused` (a start under way counts as `running`). */
  get state(): SchedulerState {
    return this.lifecycle.state;
  }

  /** True from `start()` until `shutdown()` (paused included), as APScheduler's `running`. */
  get running(): boolean {
    return this.lifecycle.running;
  }

  /** Whether `allowedHosts` lets this host run the scheduler. */
  get hostAllowed(): boolean {
    return this.allowedHosts.includes('*') || this.allowedHosts.includes(this.hostname);
  }

  /**
   * How many listeners `kind` has (`'*'`: the listeners of every kind), as EventEmitter's.
   *
   * @example
   * scheduler.listenerCount('*')
   */
  listenerCount(kind: EventKind | '*'): number {
    return this.events.listenerCount(kind);
  }

  /** Instances of jobs running in this process now (manual runs included). */
  get runningJobs(): number {
    return this.dispatcher.runningJobs;
  }

  /** When the loop last woke and looked for due jobs; null before the first pass. */
  get lastWake(): Date | null {
    return this.loop.lastWake;
  }

  on<K extends EventKind | '*'>(kind: K, listener: EventListener<K>): this {
    this.events.on(kind, listener);
    return this;
  }

  off<K extends EventKind | '*'>(kind: K, listener: EventListener<K>): this {
    this.events.off(kind, listener);
    return this;
  }

  /**
   * Starts processing jobs (`paused: true` starts without running any). On a host that
   * `allowedHosts` does not list it logs why and stays stopped, as Flask-APScheduler does.
   *
   * Lifecycle: `SchedulerAlreadyRunningError` when running, paused or already starting (as
   * APScheduler). Called while a `shutdown()` is under way, it waits for that to finish and then
   * starts. `pause()`/`resume()` during the start decide whether it ends paused. If a store cannot
   * be opened the start rejects and the scheduler is stopped again (nothing left running).
   *
   * @example
   * await scheduler.start({ paused: true }) // jobs can be read and changed; none runs until resume()
   */
  async start(options: { readonly paused?: boolean } = {}): Promise<void> {
    return this.lifecycle.start(options);
  }

  /**
   * Stops processing. With `wait` (default) it resolves once running jobs have finished (and their
   * outcomes are written to the run history); without, it drops queued runs, stops retrying
   * history writes and returns without waiting for running jobs. Stores stay open: jobs can still
   * be read and changed; `close()` closes them.
   *
   * Lifecycle: `SchedulerNotRunningError` when stopped (as APScheduler's `shutdown`). While a
   * `start()` is under way it waits for it and then shuts down (resolving, not throwing, if that
   * start failed). A second `shutdown()` while one is under way waits for the first; if the second
   * says `wait: false`, the first stops waiting for running jobs too (what a bounded graceful close needs).
   *
   * @example
   * process.once('SIGTERM', () => void scheduler.close())
   */
  async shutdown(options: { readonly wait?: boolean } = {}): Promise<void> {
    return this.lifecycle.shutdown(options);
  }

  /**
   * Shuts down if running or starting (waiting for a shutdown under way), then closes every store;
   * afterwards the scheduler holds no timer and no connection. Never throws `SchedulerNotRunningError`:
   * closing a stopped or closed scheduler only closes what is still open. `start()` opens the
   * stores again.
   */
  async close(options: { readonly wait?: boolean } = {}): Promise<void> {
    await this.lifecycle.settle(options);
    this.runLog.stopRetrying();
    await this.runLog.flush();
    await this.stores.close();
  }

  /**
   * Stops running jobs until `resume()`; jobs keep their schedule and misfire rules apply after.
   * `SchedulerNotRunningError` when stopped or shutting down; during a `start()` it makes the start
   * end paused. Pausing a paused scheduler does nothing.
   */
  pause(): void {
    this.lifecycle.pause();
  }

  /** Resumes after `pause()` (or `start({ paused: true })`); as `pause()` for the other states. */
  resume(): void {
    this.lifecycle.resume();
  }

  /**
   * Registers task functions under a module name, so jobs can name them as `"module:function"`.
   *
   * @example
   * scheduler.registerTasks('mail', { send: async (to, kwargs) => … })
   */
  registerTasks(moduleName: string, fns: Readonly<Record<string, TaskFunction>>): this {
    this.tasks.register(moduleName, fns);
    return this;
  }

  /**
   * Adds a job (APScheduler's `add_job`). Throws `ConflictingIdError` when the id exists (unless
   * `replace_existing`) and `ValidationError` for any invalid option; a refused job changes nothing.
   */
  async addJob(definition: JobDefinition): Promise<Job> {
    const { job, jobstore, replaceExisting } = parseJobDefinition(definition, this.definitionContext());
    await this.stores.open();
    await this.stores.assertIdFreeElsewhere(job.id, jobstore);
    await this.stores.store(jobstore).addJob(job, { replaceExisting });
    this.events.emit({ kind: 'job_added', jobId: job.id, jobstore });
    this.wakeUpFor(job);
    return job;
  }

  /**
   * Adds many jobs at once, the bulk path for imports: every definition is validated before any
   * job is stored, then each store takes its jobs in one batch (one transaction on SQL), so a
   * conflicting id adds none of that store's jobs.
   *
   * @example
   * await scheduler.addJobs(rows.map((row) => ({ id: row.id, func: 'mail:send', trigger: 'date', run_date: row.at })))
   */
  async addJobs(definitions: readonly JobDefinition[]): Promise<Job[]> {
    const context = this.definitionContext();
    const parsed = definitions.map((definition) => parseJobDefinition(definition, context));
    let earliest: number | null = null;
    await this.stores.addJobs(parsed, (job, jobstore) => {
      this.events.emit({ kind: 'job_added', jobId: job.id, jobstore });
      const next = job.nextRunTime?.getTime();
      if (next !== undefined && (earliest === null || next < earliest)) earliest = next;
    });
    if (earliest !== null) this.loop.wakeUpBy(earliest);
    return parsed.map(({ job }) => job);
  }

  /**
   * Adds the job, or leaves the stored one alone when its definition is unchanged (so its next run
   * time survives restarts), or replaces it when the definition changed. What config jobs and
   * `task()` use: a restart never raises `ConflictingIdError`.
   */
  async upsertJob(definition: JobDefinition): Promise<Job> {
    const { job, jobstore } = parseJobDefinition(definition, this.definitionContext());
    const existing = await this.stores.findJob(job.id);
    if (existing && existing.jobstore === jobstore && sameDefinition(existing.job, job, definition)) return existing.job;
    if (existing && existing.jobstore !== jobstore) await this.removeJob(job.id);
    return this.addJob({ ...definition, id: job.id, replace_existing: true });
  }

  /**
   * Registers `fn` and schedules it in one call, as Flask-APScheduler's `@scheduler.task`. The task
   * is registered as `def.func`, or `task:<function name>`; the job is upserted.
   *
   * @example
   * await scheduler.task({ id: 'tick', trigger: 'interval', seconds: 5 }, function tick() { … })
   */
  async task(definition: TaskDefinition, fn: TaskFunction): Promise<Job> {
    const reference = definition.func ?? `task:${fn.name || String(definition.id ?? '')}`;
    const [moduleName, exportName] = reference.split(':');
    if (!moduleName || !exportName) throw new ValidationError(`Cannot register task "${reference}": give func as "module:function"`);
    this.tasks.register(moduleName, { [exportName]: fn });
    return this.upsertJob({ ...definition, func: reference });
  }

  /** The job, or null. */
  async getJob(id: string, jobstore?: string): Promise<Job | null> {
    return (await this.stores.findJob(id, jobstore))?.job ?? null;
  }

  /** Jobs in id order, from one store or all, optionally a page (`limit`, `after`). */
  async getJobs(query: JobQuery = {}): Promise<Job[]> {
    return this.stores.getJobs({ limit: query.limit, after: query.after }, query.jobstore);
  }

  /**
   * Changes a job's properties, trigger options included, all or nothing (APScheduler's
   * `modify_job`, with `reschedule_job` folded in when trigger options are given).
   */
  async modifyJob(id: string, changes: JobChanges, jobstore?: string): Promise<Job> {
    const found = await this.stores.requireJob(id, jobstore);
    const job = applyJobChanges(found.job, changes, this.definitionContext());
    await this.stores.store(found.jobstore).updateJob(job);
    this.events.emit({ kind: 'job_modified', jobId: id, jobstore: found.jobstore });
    this.wakeUpFor(job);
    return job;
  }

  /**
   * Gives a job a new trigger and recomputes its next run time.
   *
   * @example
   * await scheduler.rescheduleJob('report', 'cron', { hour: 3 })
   */
  async rescheduleJob(
    id: string,
    trigger: TriggerKind | Trigger,
    options: Readonly<Record<string, unknown>> = {},
    jobstore?: string,
  ): Promise<Job> {
    const found = await this.stores.requireJob(id, jobstore);
    const retriggered = applyJobChanges(found.job, { trigger, ...options }, this.definitionContext());
    const job = { ...retriggered, nextRunTime: retriggered.trigger.getNextFireTime(null, this.clock.now()) };
    await this.stores.store(found.jobstore).updateJob(job);
    this.events.emit({ kind: 'job_modified', jobId: id, jobstore: found.jobstore });
    this.wakeUpFor(job);
    return job;
  }

  /** Pauses a job: it keeps its trigger but has no next run time until resumed. */
  async pauseJob(id: string, jobstore?: string): Promise<Job> {
    return this.modifyJob(id, { next_run_time: null }, jobstore);
  }

  /** Resumes a paused job from now; a job whose trigger is finished is removed (APScheduler). */
  async resumeJob(id: string, jobstore?: string): Promise<Job | null> {
    const found = await this.stores.requireJob(id, jobstore);
    const next = found.job.trigger.getNextFireTime(null, this.clock.now());
    if (next === null) {
      await this.removeJob(id, found.jobstore);
      return null;
    }
    return this.modifyJob(id, { next_run_time: next }, found.jobstore);
  }

  async removeJob(id: string, jobstore?: string): Promise<void> {
    const found = await this.stores.requireJob(id, jobstore);
    await this.stores.store(found.jobstore).removeJob(id);
    this.events.emit({ kind: 'job_removed', jobId: id, jobstore: found.jobstore });
  }

  async removeAllJobs(jobstore?: string): Promise<void> {
    await this.stores.open();
    for (const alias of this.stores.select(jobstore)) await this.stores.store(alias).removeAllJobs();
  }

  /**
   * Runs a job now, through its executor and within `max_instances`, without changing its schedule.
   * Resolves with what the task returned once it has finished; rejects with what it threw.
   */
  async runJob(id: string, jobstore?: string): Promise<unknown> {
    const found = await this.stores.requireJob(id, jobstore);
    return this.dispatcher.runNow(found.jobstore, found.job);
  }

  /** Aliases of the configured job stores. */
  get jobstoreAliases(): string[] {
    return this.stores.aliases;
  }

  /** Names of the configured executors. */
  get executorNames(): string[] {
    return this.dispatcher.executorNames;
  }

  /**
   * A job's runs, newest scheduled time first (default 20), from its store's run history (or every
   * store's, for a job that is gone).
   *
   * @example
   * const [last] = await scheduler.getRuns('nightly', { limit: 1 })
   */
  async getRuns(jobId: string, options: { readonly limit?: number; readonly jobstore?: string } = {}): Promise<RunRecord[]> {
    return this.stores.getRuns(jobId, options.limit ?? 20, options.jobstore);
  }

  /** The newest run of each given job that has one (for `last_run` in job JSON). */
  async getLastRuns(jobIds: readonly string[]): Promise<Map<string, RunRecord>> {
    return this.stores.getLastRuns(jobIds);
  }

  /** This node's id and the cluster's live nodes (those whose heartbeat is recent). */
  async clusterInfo(): Promise<ClusterInfo> {
    await this.stores.open();
    return this.membership.info();
  }

  /**
   * Each store's reachability, as the scheduler's own calls found it (no query is made): `ok`, or
   * `unreachable` since when and why. Calls to an unreachable store fail with
   * `JobStoreUnavailableError`; the scheduler retries with backoff and picks up where it left off.
   *
   * @example
   * if (scheduler.storeStatus().default.state === 'unreachable') alert(scheduler.storeStatus().default.lastError)
   */
  storeStatus(): Readonly<Record<string, StoreStatus>> {
    return this.stores.statuses();
  }

  /**
   * How many jobs each store holds, scheduled and paused, counted by the store (no job is read);
   * null for a store that cannot count or is unreachable. Never rejects.
   *
   * @example
   * const { default: counts } = await scheduler.countJobs()
   */
  async countJobs(): Promise<Readonly<Record<string, JobCounts | null>>> {
    return this.stores.countJobs();
  }

  /** Wakes the loop only if `job` is due before it would wake anyway. */
  private wakeUpFor(job: Job): void {
    const next = job.nextRunTime?.getTime();
    if (next !== undefined) this.loop.wakeUpBy(next);
  }

  private definitionContext(): DefinitionContext {
    return {
      tasks: this.tasks,
      defaults: this.jobDefaults,
      timezone: this.timezone,
      now: this.clock.now(),
      jobstores: this.stores.aliases,
      executors: this.dispatcher.executorNames,
    };
  }

  private mayStart(): boolean {
    if (this.hostAllowed) return true;
    this.logger.warn(`Scheduler not started: host "${this.hostname}" is not in allowed hosts (${this.allowedHosts.join(', ')})`);
    return false;
  }

  private async open(): Promise<void> {
    this.runLog.startRetrying();
    await this.stores.open();
    await this.dispatcher.startExecutors();
  }

  private started(paused: boolean): void {
    if (this.stores.clustered) this.membership.start();
    this.events.emit({ kind: 'scheduler_started' });
    if (!paused) this.loop.wakeUp();
  }

  private async stop(noWait: AbortSignal): Promise<void> {
    this.loop.disarm();
    if (noWait.aborted) this.runLog.stopRetrying();
    let abandon = (): void => undefined;
    const abandoned = new Promise<void>((resolve) => (abandon = resolve));
    const giveUpWaiting = (): void => {
      this.runLog.stopRetrying();
      abandon();
    };
    noWait.addEventListener('abort', giveUpWaiting, { once: true });
    try {
      await this.loop.idle();
      const executors = this.dispatcher.shutdownExecutors({ wait: !noWait.aborted });
      // Dropping the queued runs too when the wait is abandoned: nothing new starts after shutdown.
      await Promise.race([executors, abandoned.then(() => this.dispatcher.shutdownExecutors({ wait: false }))]);
    } finally {
      noWait.removeEventListener('abort', giveUpWaiting);
    }
    await Promise.all([this.membership.stop(), this.runTrimmer.idle()]);
    await this.runLog.flush();
    await this.membership.leave();
    this.events.emit({ kind: 'scheduler_shutdown' });
  }

  private reportUnreadable(jobstore: string, error: JobDeserializationError): void {
    this.logger.error(`${error.message} (kept in store "${jobstore}", paused)`);
    this.events.emit({ kind: 'job_unreadable', jobId: error.jobId, jobstore, exception: error });
  }
}
