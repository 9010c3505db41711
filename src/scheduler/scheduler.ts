import os from 'node:os';
import { systemClock, type Clock, type TimerHandle } from '../clock/clock.js';
import {
  ConflictingIdError,
  JobLookupError,
  MaxInstancesReachedError,
  SchedulerAlreadyRunningError,
  SchedulerNotRunningError,
  UnknownComponentError,
  ValidationError,
  type JobDeserializationError,
} from '../errors.js';
import { AsyncExecutor } from '../executors/async-executor.js';
import type { Executor, TaskInvocation } from '../executors/executor.js';
import { DEFAULT_JOB_DEFAULTS, type Job, type JobDefaults } from '../jobs/job.js';
import {
  applyJobChanges,
  parseJobDefinition,
  type DefinitionContext,
  type JobChanges,
  type JobDefinition,
} from '../jobs/job-definition.js';
import { stateOf } from '../jobs/job-state.js';
import type { AcquiredJob, JobPage, JobStore } from '../stores/job-store.js';
import { MemoryJobStore } from '../stores/memory.js';
import { createJobStore } from '../stores/store-url.js';
import type { ResolvedTask, TaskFunction } from '../tasks/task-registry.js';
import { TaskRegistry } from '../tasks/task-registry.js';
import type { Trigger, TriggerKind } from '../triggers/trigger.js';
import { EventBus, type EventKind, type EventListener, type SchedulerEvent } from './events.js';
import type { Logger } from './logger.js';
import { advanceDueJob } from './run-times.js';

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
}

export type SchedulerState = 'stopped' | 'running' | 'paused';

/** Where to look up jobs; all stores when no `jobstore` is given. */
export interface JobQuery extends JobPage {
  readonly jobstore?: string;
}

/** A job together with the alias of the store it lives in. */
interface StoredJob {
  readonly job: Job;
  readonly jobstore: string;
}

const RETRY_AFTER_STORE_ERROR_MS = 1000;

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
  private readonly logger: Logger;
  private readonly stores: ReadonlyMap<string, JobStore>;
  private readonly executors: ReadonlyMap<string, Executor>;
  private readonly events: EventBus;
  private readonly batchSize: number;
  private readonly instances = new Map<string, number>();
  private currentState: SchedulerState = 'stopped';
  private opening: Promise<void> | null = null;
  private executorsStarted = false;
  private timer: TimerHandle | null = null;
  private armedFor: number | null = null;
  private processing: Promise<void> | null = null;
  private rerun = false;

  constructor(options: SchedulerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.tasks = options.tasks ?? new TaskRegistry();
    this.logger = options.logger ?? console;
    this.timezone = options.timezone ?? 'UTC';
    this.jobDefaults = { ...DEFAULT_JOB_DEFAULTS, ...options.jobDefaults };
    this.hostname = options.hostname ?? os.hostname();
    this.allowedHosts = options.allowedHosts ?? ['*'];
    this.batchSize = options.batchSize ?? 500;
    const stores = Object.entries(options.jobstores ?? {}).map(
      ([alias, store]) => [alias, typeof store === 'string' ? createJobStore(store) : store] as const,
    );
    this.stores = new Map(stores.some(([alias]) => alias === 'default') ? stores : [['default', new MemoryJobStore()], ...stores]);
    const executors = Object.entries(options.executors ?? {});
    this.executors = new Map(executors.some(([name]) => name === 'default') ? executors : [['default', new AsyncExecutor()], ...executors]);
    this.events = new EventBus((error, event) => this.logger.error(`Event listener for ${event.kind} failed`, error));
  }

  /** `stopped`, `running` or `paused`. */
  get state(): SchedulerState {
    return this.currentState;
  }

  /** True once started and until shut down (paused included), as APScheduler's `running`. */
  get running(): boolean {
    return this.currentState !== 'stopped';
  }

  /** Whether `allowedHosts` lets this host run the scheduler. */
  get hostAllowed(): boolean {
    return this.allowedHosts.includes('*') || this.allowedHosts.includes(this.hostname);
  }

  on<K extends EventKind>(kind: K | '*', listener: EventListener<K>): this {
    this.events.on(kind, listener);
    return this;
  }

  off<K extends EventKind>(kind: K | '*', listener: EventListener<K>): this {
    this.events.off(kind, listener);
    return this;
  }

  /**
   * Starts processing jobs (`paused: true` starts without running any). On a host that
   * `allowedHosts` does not list it logs why and stays stopped, as Flask-APScheduler does.
   */
  async start(options: { readonly paused?: boolean } = {}): Promise<void> {
    if (this.running) throw new SchedulerAlreadyRunningError();
    if (!this.hostAllowed) {
      this.logger.warn(`Scheduler not started: host "${this.hostname}" is not in allowed hosts (${this.allowedHosts.join(', ')})`);
      return;
    }
    await this.openStores();
    await this.startExecutors();
    this.currentState = options.paused ? 'paused' : 'running';
    this.emit({ kind: 'scheduler_started' });
    if (!options.paused) this.wakeUp();
  }

  /**
   * Stops processing. With `wait` (default) it resolves once running jobs have finished; without, it
   * drops queued runs and returns at once. Stores stay open: jobs can still be read and changed.
   */
  async shutdown(options: { readonly wait?: boolean } = {}): Promise<void> {
    if (!this.running) throw new SchedulerNotRunningError();
    this.currentState = 'stopped';
    this.disarm();
    await this.processing;
    const wait = options.wait ?? true;
    await Promise.all([...this.executors.values()].map((executor) => executor.shutdown({ wait })));
    this.executorsStarted = false;
    this.emit({ kind: 'scheduler_shutdown' });
  }

  /** Shuts down if running, then closes every store. */
  async close(options: { readonly wait?: boolean } = {}): Promise<void> {
    if (this.running) await this.shutdown(options);
    const opening = this.opening;
    this.opening = null;
    if (opening) {
      await opening.catch(() => undefined);
      await Promise.all([...this.stores.values()].map((store) => store.close()));
    }
  }

  /** Stops running jobs until `resume()`; jobs keep their schedule and misfire rules apply after. */
  pause(): void {
    if (!this.running) throw new SchedulerNotRunningError();
    if (this.currentState === 'paused') return;
    this.currentState = 'paused';
    this.disarm();
    this.emit({ kind: 'scheduler_paused' });
  }

  resume(): void {
    if (!this.running) throw new SchedulerNotRunningError();
    if (this.currentState === 'running') return;
    this.currentState = 'running';
    this.emit({ kind: 'scheduler_resumed' });
    this.wakeUp();
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
    await this.openStores();
    await this.assertIdFreeElsewhere(job.id, jobstore);
    await this.store(jobstore).addJob(job, { replaceExisting });
    this.emit({ kind: 'job_added', jobId: job.id, jobstore });
    this.wakeUpFor(job);
    return job;
  }

  /**
   * Adds the job, or leaves the stored one alone when its definition is unchanged (so its next run
   * time survives restarts), or replaces it when the definition changed. What config jobs and
   * `task()` use: a restart never raises `ConflictingIdError`.
   */
  async upsertJob(definition: JobDefinition): Promise<Job> {
    const { job, jobstore } = parseJobDefinition(definition, this.definitionContext());
    const existing = await this.findJob(job.id);
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
  async task(definition: Omit<JobDefinition, 'func'> & { readonly func?: string }, fn: TaskFunction): Promise<Job> {
    const reference = definition.func ?? `task:${fn.name || String(definition.id ?? '')}`;
    const [moduleName, exportName] = reference.split(':');
    if (!moduleName || !exportName) throw new ValidationError(`Cannot register task "${reference}": give func as "module:function"`);
    this.tasks.register(moduleName, { [exportName]: fn });
    return this.upsertJob({ ...definition, func: reference });
  }

  /** The job, or null. */
  async getJob(id: string, jobstore?: string): Promise<Job | null> {
    return (await this.findJob(id, jobstore))?.job ?? null;
  }

  /** Jobs in id order, from one store or all, optionally a page (`limit`, `after`). */
  async getJobs(query: JobQuery = {}): Promise<Job[]> {
    await this.openStores();
    const aliases = query.jobstore === undefined ? [...this.stores.keys()] : [this.requireStoreAlias(query.jobstore)];
    const page: JobPage = { limit: query.limit, after: query.after };
    const lists = await Promise.all(aliases.map((alias) => this.store(alias).getJobs(page)));
    if (lists.length === 1) return lists[0] ?? [];
    const merged = lists.flat().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return query.limit === undefined ? merged : merged.slice(0, query.limit);
  }

  /**
   * Changes a job's properties, trigger options included, all or nothing (APScheduler's
   * `modify_job`, with `reschedule_job` folded in when trigger options are given).
   */
  async modifyJob(id: string, changes: JobChanges, jobstore?: string): Promise<Job> {
    const found = await this.requireJob(id, jobstore);
    const job = applyJobChanges(found.job, changes, this.definitionContext());
    await this.store(found.jobstore).updateJob(job);
    this.emit({ kind: 'job_modified', jobId: id, jobstore: found.jobstore });
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
    const found = await this.requireJob(id, jobstore);
    const retriggered = applyJobChanges(found.job, { trigger, ...options }, this.definitionContext());
    const job = { ...retriggered, nextRunTime: retriggered.trigger.getNextFireTime(null, this.clock.now()) };
    await this.store(found.jobstore).updateJob(job);
    this.emit({ kind: 'job_modified', jobId: id, jobstore: found.jobstore });
    this.wakeUpFor(job);
    return job;
  }

  /** Pauses a job: it keeps its trigger but has no next run time until resumed. */
  async pauseJob(id: string, jobstore?: string): Promise<Job> {
    return this.modifyJob(id, { next_run_time: null }, jobstore);
  }

  /** Resumes a paused job from now; a job whose trigger is finished is removed (APScheduler). */
  async resumeJob(id: string, jobstore?: string): Promise<Job | null> {
    const found = await this.requireJob(id, jobstore);
    const next = found.job.trigger.getNextFireTime(null, this.clock.now());
    if (next === null) {
      await this.removeJob(id, found.jobstore);
      return null;
    }
    return this.modifyJob(id, { next_run_time: next }, found.jobstore);
  }

  async removeJob(id: string, jobstore?: string): Promise<void> {
    const found = await this.requireJob(id, jobstore);
    await this.store(found.jobstore).removeJob(id);
    this.emit({ kind: 'job_removed', jobId: id, jobstore: found.jobstore });
  }

  async removeAllJobs(jobstore?: string): Promise<void> {
    await this.openStores();
    const aliases = jobstore === undefined ? [...this.stores.keys()] : [this.requireStoreAlias(jobstore)];
    for (const alias of aliases) await this.store(alias).removeAllJobs();
  }

  /**
   * Runs a job now, through its executor and within `max_instances`, without changing its schedule.
   * Resolves with what the task returned once it has finished; rejects with what it threw.
   */
  async runJob(id: string, jobstore?: string): Promise<unknown> {
    const found = await this.requireJob(id, jobstore);
    const { job } = found;
    const task = this.tasks.resolve(job.func);
    const executor = this.executor(job.executor);
    await this.startExecutors();
    const runTime = this.clock.now();
    if (!this.claimInstance(job)) throw new MaxInstancesReachedError(job.id, job.maxInstances);
    this.emit({ kind: 'job_submitted', jobId: id, jobstore: found.jobstore, scheduledRunTimes: [runTime] });
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } = { ok: false, error: new SchedulerNotRunningError() };
    try {
      await executor.submit(async (invoke) => {
        outcome = await this.invokeAndReport(invoke, found.jobstore, job, task, runTime);
      });
    } finally {
      this.releaseInstance(job.id);
    }
    const settled = outcome as { ok: true; value: unknown } | { ok: false; error: unknown };
    if (!settled.ok) throw settled.error;
    return settled.value;
  }

  /** Aliases of the configured job stores. */
  get jobstoreAliases(): string[] {
    return [...this.stores.keys()];
  }

  /** Names of the configured executors. */
  get executorNames(): string[] {
    return [...this.executors.keys()];
  }

  // ---- the loop ------------------------------------------------------------------------------

  /** Re-examines the stores now (coalesced: at most one pass runs and one more is queued). */
  private wakeUp(): void {
    if (this.currentState !== 'running') return;
    this.disarm();
    if (this.processing) {
      this.rerun = true;
      return;
    }
    this.processing = this.processUntilIdle().finally(() => {
      this.processing = null;
    });
  }

  /** Wakes up only if `job` is due before the loop would wake anyway. */
  private wakeUpFor(job: Job): void {
    const next = job.nextRunTime?.getTime();
    if (next === undefined) return;
    if (this.processing || this.armedFor === null || next < this.armedFor) this.wakeUp();
  }

  private async processUntilIdle(): Promise<void> {
    let nextWake: number | null = null;
    do {
      this.rerun = false;
      try {
        nextWake = await this.processDueJobs();
      } catch (error) {
        this.logger.error('Processing due jobs failed; retrying', error);
        nextWake = this.clock.now().getTime() + RETRY_AFTER_STORE_ERROR_MS;
      }
    } while (this.rerun && this.currentState === 'running');
    if (this.currentState === 'running') this.arm(nextWake);
  }

  /** One pass over every store; returns when the next job is due (epoch ms), or null. */
  private async processDueJobs(): Promise<number | null> {
    let nextWake: number | null = null;
    for (const [alias, store] of this.stores) {
      if (this.currentState !== 'running') return null;
      const now = this.clock.now();
      for (;;) {
        const acquired = await store.acquireDueJobs(now, this.batchSize, (job) => advanceDueJob(job, now));
        for (const item of acquired) this.dispatch(alias, item);
        if (acquired.length < this.batchSize || this.currentState !== 'running') break;
      }
      const storeNext = await store.getNextRunTime();
      if (storeNext && (nextWake === null || storeNext.getTime() < nextWake)) nextWake = storeNext.getTime();
    }
    return nextWake;
  }

  private arm(at: number | null): void {
    this.disarm();
    if (at === null) return;
    this.armedFor = at;
    this.timer = this.clock.setTimer(() => {
      this.timer = null;
      this.armedFor = null;
      this.wakeUp();
    }, at - this.clock.now().getTime());
  }

  private disarm(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.armedFor = null;
  }

  /** Hands one acquired job to its executor (APScheduler's `_process_jobs` body). */
  private dispatch(jobstore: string, { job, advance }: AcquiredJob): void {
    const { runTimes } = advance;
    if (advance.kind === 'remove') this.emit({ kind: 'job_removed', jobId: job.id, jobstore });
    if (runTimes.length === 0) return;
    let task: ResolvedTask;
    let executor: Executor;
    try {
      task = this.tasks.resolve(job.func);
      executor = this.executor(job.executor);
    } catch (error) {
      this.logger.error(`Job "${job.id}" cannot run: ${(error as Error).message}`);
      for (const scheduledRunTime of runTimes) {
        this.emit({ kind: 'job_error', jobId: job.id, jobstore, scheduledRunTime, exception: error as Error });
      }
      return;
    }
    if (!this.claimInstance(job)) {
      this.logger.warn(`Run of job "${job.id}" skipped: maximum number of running instances reached (${job.maxInstances})`);
      this.emit({ kind: 'job_max_instances', jobId: job.id, jobstore, scheduledRunTimes: runTimes });
      return;
    }
    this.emit({ kind: 'job_submitted', jobId: job.id, jobstore, scheduledRunTimes: runTimes });
    executor
      .submit(async (invoke) => {
        for (const scheduledRunTime of runTimes) {
          const lateMs = this.clock.now().getTime() - scheduledRunTime.getTime();
          if (job.misfireGraceTime !== null && lateMs > job.misfireGraceTime * 1000) {
            this.logger.warn(`Run time of job "${job.id}" was missed by ${lateMs} ms`);
            this.emit({ kind: 'job_missed', jobId: job.id, jobstore, scheduledRunTime });
            continue;
          }
          await this.invokeAndReport(invoke, jobstore, job, task, scheduledRunTime);
        }
      })
      .catch((error: unknown) => this.logger.error(`Job "${job.id}" could not be submitted`, error))
      .finally(() => this.releaseInstance(job.id));
  }

  private async invokeAndReport(
    invoke: (invocation: TaskInvocation) => Promise<unknown>,
    jobstore: string,
    job: Job,
    task: ResolvedTask,
    scheduledRunTime: Date,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
    try {
      const retval = await invoke({ task, args: job.args, kwargs: job.kwargs, jobId: job.id, scheduledRunTime });
      this.emit({ kind: 'job_executed', jobId: job.id, jobstore, scheduledRunTime, retval });
      return { ok: true, value: retval };
    } catch (error) {
      const exception = error instanceof Error ? error : new Error(String(error));
      this.logger.error(`Job "${job.id}" raised an error`, exception);
      this.emit({ kind: 'job_error', jobId: job.id, jobstore, scheduledRunTime, exception });
      return { ok: false, error: exception };
    }
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
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private emit(event: SchedulerEvent): void {
    this.events.emit(event);
  }

  private definitionContext(): DefinitionContext {
    return {
      tasks: this.tasks,
      defaults: this.jobDefaults,
      timezone: this.timezone,
      now: this.clock.now(),
      jobstores: [...this.stores.keys()],
      executors: [...this.executors.keys()],
    };
  }

  private openStores(): Promise<void> {
    this.opening ??= Promise.all(
      [...this.stores].map(([alias, store]) =>
        store.open({ onUnreadableJob: (error) => this.reportUnreadable(alias, error) }),
      ),
    ).then(() => undefined);
    const opening = this.opening;
    // A failed open may be retried by the next call.
    opening.catch(() => {
      if (this.opening === opening) this.opening = null;
    });
    return opening;
  }

  private reportUnreadable(jobstore: string, error: JobDeserializationError): void {
    this.logger.error(`${error.message} (kept in store "${jobstore}", paused)`);
    this.emit({ kind: 'job_unreadable', jobId: error.jobId, jobstore, exception: error });
  }

  private async startExecutors(): Promise<void> {
    if (this.executorsStarted) return;
    await Promise.all([...this.executors.values()].map((executor) => executor.start()));
    this.executorsStarted = true;
  }

  private store(alias: string): JobStore {
    const store = this.stores.get(alias);
    if (!store) throw new UnknownComponentError(`No job store named "${alias}"`);
    return store;
  }

  private requireStoreAlias(alias: string): string {
    this.store(alias);
    return alias;
  }

  private executor(name: string): Executor {
    const executor = this.executors.get(name);
    if (!executor) throw new UnknownComponentError(`No executor named "${name}"`);
    return executor;
  }

  private async findJob(id: string, jobstore?: string): Promise<StoredJob | null> {
    await this.openStores();
    const aliases = jobstore === undefined ? [...this.stores.keys()] : [this.requireStoreAlias(jobstore)];
    for (const alias of aliases) {
      const job = await this.store(alias).lookupJob(id);
      if (job) return { job, jobstore: alias };
    }
    return null;
  }

  private async requireJob(id: string, jobstore?: string): Promise<StoredJob> {
    const found = await this.findJob(id, jobstore);
    if (!found) throw new JobLookupError(id);
    return found;
  }

  /** Ids are unique across stores, so REST paths (which name no store) always find one job. */
  private async assertIdFreeElsewhere(id: string, jobstore: string): Promise<void> {
    for (const [alias, store] of this.stores) {
      if (alias !== jobstore && (await store.lookupJob(id))) throw new ConflictingIdError(id);
    }
  }
}

/**
 * Whether a stored job still matches its definition. An interval's start is derived from the time
 * of adding when the definition names none, so it is not compared then.
 */
function sameDefinition(stored: Job, fresh: Job, definition: JobDefinition): boolean {
  const strip = (job: Job) => {
    const state = stateOf(job);
    if (definition.start_date !== undefined || job.trigger.kind !== 'interval') return state;
    const { start_date: _ignored, ...trigger } = state.trigger;
    return { ...state, trigger };
  };
  return JSON.stringify(strip(stored)) === JSON.stringify(strip(fresh));
}
