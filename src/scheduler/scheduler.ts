import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { systemClock, type Clock } from '../clock/clock.js';
import { ValidationError } from '../errors.js';
import { DEFAULT_JOB_DEFAULTS, type Job, type JobDefaults } from '../jobs/job.js';
import type { DefinitionContext, JobChanges, JobDefinition, TaskDefinition } from '../jobs/job-definition.js';
import type { JobCounts } from '../stores/job-store.js';
import type { RunRecord } from '../stores/run-history.js';
import type { TaskFunction } from '../tasks/task-registry.js';
import { TaskRegistry } from '../tasks/task-registry.js';
import type { Trigger, TriggerKind } from '../triggers/trigger.js';
import type { ClusterInfo } from './cluster-membership.js';
import { SchedulerEngine } from './engine.js';
import type { EventKind, EventListener } from './events.js';
import { JobOperations } from './job-operations.js';
import { Lifecycle, type SchedulerState } from './lifecycle.js';
import type { Logger } from './logger.js';
import type { JobQuery, SchedulerOptions } from './scheduler-options.js';
import type { StoreStatus } from './store-health.js';

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
  private readonly engine: SchedulerEngine;
  private readonly jobs: JobOperations;
  private readonly lifecycle: Lifecycle;

  constructor(options: SchedulerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.tasks = options.tasks ?? new TaskRegistry();
    this.timezone = options.timezone ?? 'UTC';
    this.jobDefaults = { ...DEFAULT_JOB_DEFAULTS, ...options.jobDefaults };
    this.hostname = options.hostname ?? os.hostname();
    this.allowedHosts = options.allowedHosts ?? ['*'];
    this.nodeId = options.nodeId ?? `${this.hostname}:${process.pid}:${randomBytes(4).toString('hex')}`;
    const logger: Logger = options.logger ?? console;
    const identity = { clock: this.clock, logger, tasks: this.tasks, nodeId: this.nodeId, hostname: this.hostname, allowedHosts: this.allowedHosts };
    this.engine = new SchedulerEngine(options, identity, () => this.lifecycle.processing, () => this.running);
    this.jobs = new JobOperations(this.engine, this.clock, () => this.definitionContext());
    this.lifecycle = new Lifecycle(this.engine);
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
    return this.engine.hostAllowed;
  }

  /**
   * How many listeners `kind` has (`'*'`: the listeners of every kind), as EventEmitter's.
   *
   * @example
   * scheduler.listenerCount('*')
   */
  listenerCount(kind: EventKind | '*'): number {
    return this.engine.events.listenerCount(kind);
  }

  /** Instances of jobs running in this process now (manual runs included). */
  get runningJobs(): number {
    return this.engine.dispatcher.runningJobs;
  }

  /** When the loop last woke and looked for due jobs; null before the first pass. */
  get lastWake(): Date | null {
    return this.engine.loop.lastWake;
  }

  on<K extends EventKind | '*'>(kind: K, listener: EventListener<K>): this {
    this.engine.events.on(kind, listener);
    return this;
  }

  off<K extends EventKind | '*'>(kind: K, listener: EventListener<K>): this {
    this.engine.events.off(kind, listener);
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
    await this.engine.close();
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
    return this.jobs.add(definition);
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
    return this.jobs.addMany(definitions);
  }

  /**
   * Adds the job, or leaves the stored one alone when its definition is unchanged (so its next run
   * time survives restarts), or replaces it when the definition changed. What config jobs and
   * `task()` use: a restart never raises `ConflictingIdError`.
   */
  async upsertJob(definition: JobDefinition): Promise<Job> {
    return this.jobs.upsert(definition);
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
    return this.jobs.get(id, jobstore);
  }

  /** Jobs in id order, from one store or all, optionally a page (`limit`, `after`). */
  async getJobs(query: JobQuery = {}): Promise<Job[]> {
    return this.jobs.list(query);
  }

  /**
   * Changes a job's properties, trigger options included, all or nothing (APScheduler's
   * `modify_job`, with `reschedule_job` folded in when trigger options are given).
   */
  async modifyJob(id: string, changes: JobChanges, jobstore?: string): Promise<Job> {
    return this.jobs.modify(id, changes, jobstore);
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
    return this.jobs.reschedule(id, trigger, options, jobstore);
  }

  /** Pauses a job: it keeps its trigger but has no next run time until resumed. */
  async pauseJob(id: string, jobstore?: string): Promise<Job> {
    return this.modifyJob(id, { next_run_time: null }, jobstore);
  }

  /** Resumes a paused job from now; a job whose trigger is finished is removed (APScheduler). */
  async resumeJob(id: string, jobstore?: string): Promise<Job | null> {
    return this.jobs.resume(id, jobstore);
  }

  async removeJob(id: string, jobstore?: string): Promise<void> {
    return this.jobs.remove(id, jobstore);
  }

  async removeAllJobs(jobstore?: string): Promise<void> {
    return this.jobs.removeAll(jobstore);
  }

  /**
   * Runs a job now, through its executor and within `max_instances`, without changing its schedule.
   * Resolves with what the task returned once it has finished; rejects with what it threw.
   */
  async runJob(id: string, jobstore?: string): Promise<unknown> {
    return this.jobs.run(id, jobstore);
  }

  /** Aliases of the configured job stores. */
  get jobstoreAliases(): string[] {
    return this.engine.stores.aliases;
  }

  /** Names of the configured executors. */
  get executorNames(): string[] {
    return this.engine.dispatcher.executorNames;
  }

  /**
   * A job's runs, newest scheduled time first (default 20), from its store's run history (or every
   * store's, for a job that is gone).
   *
   * @example
   * const [last] = await scheduler.getRuns('nightly', { limit: 1 })
   */
  async getRuns(jobId: string, options: { readonly limit?: number; readonly jobstore?: string } = {}): Promise<RunRecord[]> {
    return this.engine.stores.getRuns(jobId, options.limit ?? 20, options.jobstore);
  }

  /** The newest run of each given job that has one (for `last_run` in job JSON). */
  async getLastRuns(jobIds: readonly string[]): Promise<Map<string, RunRecord>> {
    return this.engine.stores.getLastRuns(jobIds);
  }

  /** This node's id and the cluster's live nodes (those whose heartbeat is recent). */
  async clusterInfo(): Promise<ClusterInfo> {
    return this.engine.clusterInfo();
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
    return this.engine.stores.statuses();
  }

  /**
   * How many jobs each store holds, scheduled and paused, counted by the store (no job is read);
   * null for a store that cannot count or is unreachable. Never rejects.
   *
   * @example
   * const { default: counts } = await scheduler.countJobs()
   */
  async countJobs(): Promise<Readonly<Record<string, JobCounts | null>>> {
    return this.engine.stores.countJobs();
  }

  private definitionContext(): DefinitionContext {
    return {
      tasks: this.tasks,
      defaults: this.jobDefaults,
      timezone: this.timezone,
      now: this.clock.now(),
      jobstores: this.engine.stores.aliases,
      executors: this.engine.dispatcher.executorNames,
    };
  }
}
