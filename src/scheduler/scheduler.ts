import { randomBytes } from 'node:crypto';
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
  type TaskDefinition,
} from '../jobs/job-definition.js';
import { stateOf } from '../jobs/job-state.js';
import type { ClaimedRuns, ClusterNode } from '../stores/cluster.js';
import type { AcquiredJob, JobPage, JobStore, NodeIdentity } from '../stores/job-store.js';
import type { RunRecord, RunRetention } from '../stores/run-history.js';
import { MemoryJobStore } from '../stores/memory.js';
import { createJobStore } from '../stores/store-url.js';
import type { ResolvedTask, TaskFunction } from '../tasks/task-registry.js';
import { TaskRegistry } from '../tasks/task-registry.js';
import type { Trigger, TriggerKind } from '../triggers/trigger.js';
import { EventBus, type EventKind, type EventListener, type SchedulerEvent } from './events.js';
import type { Logger } from './logger.js';
import { advanceDueJob } from './run-times.js';
import { RepeatingTask } from './repeating-task.js';
import { RunLog } from './run-log.js';
import { RunTrimmer } from './run-trimmer.js';

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
 * @example
 * new Scheduler({ jobstores: { default: 'postgres://db/app' }, cluster: { heartbeatMs: 2000, leaseMs: 10_000 } })
 */
export interface ClusterTiming {
  /** How often this node records its heartbeat and renews its claims' leases (default 5 s). */
  readonly heartbeatMs?: number;
  /** How long a claim holds without renewal before another node takes it over (default 30 s). */
  readonly leaseMs?: number;
  /** Longest sleep between looks at the store, in case a wake-up notification was lost (default 30 s). */
  readonly fallbackPollMs?: number;
}

export const DEFAULT_CLUSTER_TIMING: Required<ClusterTiming> = { heartbeatMs: 5000, leaseMs: 30_000, fallbackPollMs: 30_000 };

/** A node counts as live while its last heartbeat is younger than this many heartbeat intervals. */
const LIVE_AFTER_HEARTBEATS = 3;

/** What `clusterInfo()` answers (and `GET {prefix}` shows as `cluster`). */
export interface ClusterInfo {
  readonly node_id: string;
  /** Whether some store of this scheduler is shared as a cluster. */
  readonly clustered: boolean;
  /** Live nodes (this one alone when not clustered), with their last heartbeat (ISO 8601). */
  readonly nodes: readonly { readonly node_id: string; readonly hostname: string; readonly pid: number; readonly heartbeat_at: string }[];
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
const MAX_RETRY_AFTER_STORE_ERROR_MS = 30_000;

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
  private readonly node: NodeIdentity;
  private readonly clusterTiming: Required<ClusterTiming>;
  private readonly runTrimmer: RunTrimmer;
  private readonly runLog: RunLog;
  private readonly heartbeat: RepeatingTask;
  private storeFailures = 0;
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
    this.nodeId = options.nodeId ?? `${this.hostname}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.clusterTiming = { ...DEFAULT_CLUSTER_TIMING, ...options.cluster };
    this.node = { id: this.nodeId, hostname: this.hostname, pid: process.pid, startedAt: this.clock.now(), leaseMs: this.clusterTiming.leaseMs };
    this.runTrimmer = new RunTrimmer(this.stores, this.clock, this.logger, options.runRetention);
    this.runLog = new RunLog(this.nodeId, this.clock, this.logger);
    const { heartbeatMs, leaseMs } = this.clusterTiming;
    this.heartbeat = new RepeatingTask(this.clock, heartbeatMs, () => this.beat(), (error, retryInMs) =>
      this.logger.error(`Cluster heartbeat failed; retrying in ${retryInMs} ms`, error), Math.max(heartbeatMs, leaseMs / 2));
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
    if (this.clustered) this.heartbeat.start();
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
    await Promise.all([this.heartbeat.stop(), this.runTrimmer.idle()]);
    await this.runLog.flush();
    await this.leaveClusters();
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
    await this.openStores();
    const batches = new Map<string, { jobstore: string; replaceExisting: boolean; jobs: Job[] }>();
    for (const { job, jobstore, replaceExisting } of parsed) {
      await this.assertIdFreeElsewhere(job.id, jobstore);
      const key = `${replaceExisting}:${jobstore}`;
      const batch = batches.get(key) ?? { jobstore, replaceExisting, jobs: [] };
      batch.jobs.push(job);
      batches.set(key, batch);
    }
    let earliest: number | null = null;
    for (const { jobstore, replaceExisting, jobs } of batches.values()) {
      const store = this.store(jobstore);
      if (store.addJobs) await store.addJobs(jobs, { replaceExisting });
      else for (const job of jobs) await store.addJob(job, { replaceExisting });
      for (const job of jobs) {
        this.emit({ kind: 'job_added', jobId: job.id, jobstore });
        const next = job.nextRunTime?.getTime();
        if (next !== undefined && (earliest === null || next < earliest)) earliest = next;
      }
    }
    if (earliest !== null) this.wakeUpBy(earliest);
    return parsed.map(({ job }) => job);
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
  async task(definition: TaskDefinition, fn: TaskFunction): Promise<Job> {
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
        // Not a scheduled fire time, so not in the run history (keyed by job and scheduled time).
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

  /**
   * A job's runs, newest scheduled time first (default 20), from its store's run history (or every
   * store's, for a job that is gone).
   *
   * @example
   * const [last] = await scheduler.getRuns('nightly', { limit: 1 })
   */
  async getRuns(jobId: string, options: { readonly limit?: number; readonly jobstore?: string } = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? 20;
    const found = await this.findJob(jobId, options.jobstore);
    const aliases = found ? [found.jobstore] : options.jobstore !== undefined ? [options.jobstore] : [...this.stores.keys()];
    const lists = await Promise.all(aliases.map((alias) => this.store(alias).runHistory?.getRuns(jobId, { limit }) ?? []));
    return lists.flat().sort((a, b) => b.scheduledRunTime.getTime() - a.scheduledRunTime.getTime()).slice(0, limit);
  }

  /** The newest run of each given job that has one (for `last_run` in job JSON). */
  async getLastRuns(jobIds: readonly string[]): Promise<Map<string, RunRecord>> {
    await this.openStores();
    const last = new Map<string, RunRecord>();
    for (const store of this.stores.values()) {
      const runs = await store.runHistory?.lastRuns(jobIds);
      for (const [id, run] of runs ?? []) {
        const seen = last.get(id);
        if (!seen || seen.scheduledRunTime < run.scheduledRunTime) last.set(id, run);
      }
    }
    return last;
  }

  /** This node's id and the cluster's live nodes (those whose heartbeat is recent). */
  async clusterInfo(): Promise<ClusterInfo> {
    await this.openStores();
    const cluster = [...this.stores.values()].find((store) => store.cluster)?.cluster;
    const since = new Date(this.clock.now().getTime() - LIVE_AFTER_HEARTBEATS * this.clusterTiming.heartbeatMs);
    const nodes: ClusterNode[] = cluster
      ? await cluster.liveNodes(since)
      : [{ nodeId: this.nodeId, hostname: this.hostname, pid: process.pid, startedAt: this.node.startedAt, heartbeatAt: this.clock.now() }];
    return {
      node_id: this.nodeId,
      clustered: cluster !== undefined,
      nodes: nodes.map((node) => ({ node_id: node.nodeId, hostname: node.hostname, pid: node.pid, heartbeat_at: node.heartbeatAt.toISOString() })),
    };
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
    if (next !== undefined) this.wakeUpBy(next);
  }

  private wakeUpBy(next: number): void {
    if (this.processing || this.armedFor === null || next < this.armedFor) this.wakeUp();
  }

  private async processUntilIdle(): Promise<void> {
    let nextWake: number | null = null;
    do {
      this.rerun = false;
      try {
        nextWake = await this.processDueJobs();
        this.storeFailures = 0;
      } catch (error) {
        // Backs off while the database is away; claims and the unique run key keep the retry from duplicating runs.
        const delay = Math.min(RETRY_AFTER_STORE_ERROR_MS * 2 ** this.storeFailures, MAX_RETRY_AFTER_STORE_ERROR_MS);
        this.storeFailures += 1;
        this.logger.error(`Processing due jobs failed; retrying in ${delay} ms`, error);
        nextWake = this.clock.now().getTime() + delay;
      }
    } while (this.rerun && this.currentState === 'running');
    if (this.currentState === 'running') this.arm(nextWake);
  }

  /** One pass over every store; returns when the next job is due (epoch ms), or null. */
  private async processDueJobs(): Promise<number | null> {
    let nextWake: number | null = null;
    this.runTrimmer.trimWhenDue(() => this.running);
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

  private arm(wakeAt: number | null): void {
    this.disarm();
    // In a cluster, NOTIFY wakes us for jobs changed elsewhere; a long fallback poll covers lost ones.
    const pollAt = this.clustered ? this.clock.now().getTime() + this.clusterTiming.fallbackPollMs : null;
    const at = wakeAt === null ? pollAt : pollAt === null ? wakeAt : Math.min(wakeAt, pollAt);
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
  private dispatch(jobstore: string, { job, advance, refused }: AcquiredJob): void {
    if (advance.kind === 'remove') this.emit({ kind: 'job_removed', jobId: job.id, jobstore });
    this.submitRuns(jobstore, { job, runTimes: advance.runTimes, ...(refused ? { refused } : {}) });
  }

  private submitRuns(jobstore: string, { job, runTimes, refused }: ClaimedRuns): void {
    if (runTimes.length === 0) return;
    const store = this.store(jobstore);
    if (refused) {
      // The store recorded them as skipped: max_instances runs are going on elsewhere in the cluster.
      this.logger.warn(`Run of job "${job.id}" skipped: maximum number of running instances reached in the cluster (${job.maxInstances})`);
      this.emit({ kind: 'job_max_instances', jobId: job.id, jobstore, scheduledRunTimes: runTimes });
      return;
    }
    let task: ResolvedTask;
    let executor: Executor;
    try {
      task = this.tasks.resolve(job.func);
      executor = this.executor(job.executor);
    } catch (error) {
      this.logger.error(`Job "${job.id}" cannot run: ${(error as Error).message}`);
      for (const scheduledRunTime of runTimes) {
        this.runLog.finish(store, { jobId: job.id, scheduledRunTime, status: 'error', errorMessage: (error as Error).message });
        this.emit({ kind: 'job_error', jobId: job.id, jobstore, scheduledRunTime, exception: error as Error });
      }
      return;
    }
    if (!this.claimInstance(job)) {
      this.logger.warn(`Run of job "${job.id}" skipped: maximum number of running instances reached (${job.maxInstances})`);
      for (const scheduledRunTime of runTimes) this.runLog.finish(store, { jobId: job.id, scheduledRunTime, status: 'skipped_max_instances' });
      this.emit({ kind: 'job_max_instances', jobId: job.id, jobstore, scheduledRunTimes: runTimes });
      return;
    }
    this.emit({ kind: 'job_submitted', jobId: job.id, jobstore, scheduledRunTimes: runTimes });
    executor
      .submit(async (invoke) => {
        for (const scheduledRunTime of runTimes) {
          const lateMs = this.clock.now().getTime() - scheduledRunTime.getTime();
          if (job.misfireGraceTime !== null && lateMs > job.misfireGraceTime * 1000) {
            if (!(await this.runLog.missed(store, job.id, scheduledRunTime))) continue;
            this.logger.warn(`Run time of job "${job.id}" was missed by ${lateMs} ms`);
            this.emit({ kind: 'job_missed', jobId: job.id, jobstore, scheduledRunTime });
            continue;
          }
          // In a cluster the claim may have been taken over meanwhile: then it is not ours to run.
          // (Outside a cluster every run is ours: no await, which a burst of thousands of runs feels.)
          if (store.cluster && !(await this.runLog.begin(store, job.id, scheduledRunTime))) continue;
          await this.invokeAndRecord(invoke, jobstore, store, job, task, scheduledRunTime);
        }
      })
      .catch((error: unknown) => this.logger.error(`Job "${job.id}" could not be submitted`, error))
      .finally(() => this.releaseInstance(job.id));
  }

  /** Runs the task and writes its outcome to the run history. */
  private async invokeAndRecord(
    invoke: (invocation: TaskInvocation) => Promise<unknown>,
    jobstore: string,
    store: JobStore,
    job: Job,
    task: ResolvedTask,
    scheduledRunTime: Date,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
    const startedAt = this.clock.now();
    const outcome = await this.invokeAndReport(invoke, jobstore, job, task, scheduledRunTime);
    this.runLog.finish(store, {
      jobId: job.id,
      scheduledRunTime,
      status: outcome.ok ? 'ok' : 'error',
      startedAt,
      errorMessage: outcome.ok ? null : String((outcome.error as Error).message ?? outcome.error),
    });
    return outcome;
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

  // ---- cluster and run history ---------------------------------------------------------------

  /** Whether some store is shared as a cluster (known once the stores are open). */
  private get clustered(): boolean {
    for (const store of this.stores.values()) if (store.cluster) return true;
    return false;
  }

  /** The heartbeat: says this node is alive, renews its leases, and takes over what dead nodes left. */
  private async beat(): Promise<void> {
    for (const [alias, store] of this.stores) {
      const cluster = store.cluster;
      if (!cluster) continue;
      await cluster.heartbeat(this.clock.now());
      if (this.currentState !== 'running') continue;
      for (;;) {
        const taken = await cluster.takeOverExpiredRuns(this.clock.now(), this.batchSize);
        for (const claimed of taken) this.submitRuns(alias, claimed);
        if (taken.length < this.batchSize || this.currentState !== 'running') break;
      }
    }
  }

  private async leaveClusters(): Promise<void> {
    for (const store of this.stores.values()) {
      await store.cluster?.leave(this.clock.now()).catch((error: unknown) => this.logger.warn('Leaving the cluster failed; its leases will expire', error));
    }
  }

  /** Another node changed a job (or notifications may have been lost: `nextRunTime` null). */
  private wakeUpFromStore(nextRunTime: Date | null): void {
    if (nextRunTime === null) this.wakeUp();
    else this.wakeUpBy(nextRunTime.getTime());
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
        store.open({
          onUnreadableJob: (error) => this.reportUnreadable(alias, error),
          node: this.node,
          wakeUp: (nextRunTime) => this.wakeUpFromStore(nextRunTime),
          warn: (message, error) => this.logger.warn(`${message} (store "${alias}")`, ...(error === undefined ? [] : [error])),
        }),
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
    if (('start_date' in definition && definition.start_date !== undefined) || job.trigger.kind !== 'interval') return state;
    const { start_date: _ignored, ...trigger } = state.trigger;
    return { ...state, trigger };
  };
  return JSON.stringify(strip(stored)) === JSON.stringify(strip(fresh));
}
