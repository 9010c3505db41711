import type { Clock } from '../clock/clock.js';
import type { JobDeserializationError } from '../errors.js';
import { AsyncExecutor } from '../executors/async-executor.js';
import type { Job } from '../jobs/job.js';
import type { ClaimedRuns } from '../stores/cluster-coordination.js';
import type { NodeIdentity } from '../stores/job-store.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import { ClusterMembership, DEFAULT_CLUSTER_TIMING } from './cluster-membership.js';
import { Dispatcher } from './dispatcher.js';
import { EventBus } from './events.js';
import type { LifecycleSteps } from './lifecycle.js';
import type { Logger } from './logger.js';
import { RunLog } from './run-log.js';
import { RunTrimmer } from './run-trimmer.js';
import type { SchedulerOptions } from './scheduler-options.js';
import { StoreRegistry } from './store-registry.js';
import { WakeLoop } from './wake-loop.js';

/** Who this scheduler is, resolved from its options before the engine is built. */
export interface EngineIdentity {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tasks: TaskRegistry;
  readonly nodeId: string;
  readonly hostname: string;
  readonly allowedHosts: readonly string[];
}

/**
 * The machinery behind the `Scheduler` façade, wired once: the store registry, the wake loop that
 * finds due runs, the dispatcher that applies misfire/coalesce/`max_instances` and hands runs to
 * executors, the run log and its trimmer, and cluster membership. It is the lifecycle's steps: it
 * opens, starts, pauses and stops those parts in order. It knows no job operation and no REST.
 */
export class SchedulerEngine implements LifecycleSteps {
  readonly events: EventBus;
  readonly stores: StoreRegistry;
  readonly dispatcher: Dispatcher;
  readonly loop: WakeLoop;
  readonly runLog: RunLog;
  private readonly runTrimmer: RunTrimmer;
  private readonly membership: ClusterMembership;
  private readonly clock: Clock;
  private readonly logger: Logger;

  /**
   * @param processing whether the lifecycle lets jobs run now (running, not paused)
   * @param running whether the scheduler is running at all (paused included)
   */
  constructor(
    options: SchedulerOptions,
    private readonly identity: EngineIdentity,
    processing: () => boolean,
    running: () => boolean,
  ) {
    const { clock, logger, tasks, nodeId } = identity;
    this.clock = clock;
    this.logger = logger;
    const batchSize = options.batchSize ?? 500;
    this.events = new EventBus((error, event) => logger.error(`Event listener for ${event.kind} failed`, error));
    const timing = { ...DEFAULT_CLUSTER_TIMING, ...options.cluster };
    const node: NodeIdentity = { id: nodeId, hostname: identity.hostname, pid: process.pid, startedAt: clock.now(), leaseMs: timing.leaseMs };
    const stores = StoreRegistry.of(options.jobstores, (alias) => ({
      onUnreadableJob: (error) => this.reportUnreadable(alias, error),
      node,
      clock,
      wakeUp: (nextRunTime) => this.loop.wakeUpFromStore(nextRunTime),
      warn: (message, error) => logger.warn(`${message} (store "${alias}")`, ...(error === undefined ? [] : [error])),
    }), { clock, logger });
    this.stores = stores;
    this.runTrimmer = new RunTrimmer(new Map(stores.entries()), clock, logger, options.runRetention);
    this.runLog = new RunLog(nodeId, clock, logger);
    const executors = Object.entries(options.executors ?? {});
    const withDefault = executors.some(([name]) => name === 'default') ? executors : [['default', new AsyncExecutor()] as const, ...executors];
    const onCatchUpDone = () => this.loop.wakeUpSoon();
    const dispatcher = new Dispatcher({ clock, logger, tasks, stores, executors: new Map(withDefault), runLog: this.runLog, events: this.events, onCatchUpDone });
    this.dispatcher = dispatcher;
    this.loop = new WakeLoop({
      clock,
      logger,
      stores,
      batchSize,
      fallbackPollMs: timing.fallbackPollMs,
      active: processing,
      dispatch: (jobstore, acquired) => dispatcher.dispatch(jobstore, acquired),
      onPass: () => this.runTrimmer.trimWhenDue(running),
      catchingUp: (jobstore) => dispatcher.catchingUpIn(jobstore),
      room: (below) => dispatcher.whenFewerPending(below),
    });
    const submitRuns = (jobstore: string, claimed: ClaimedRuns): void => {
      void dispatcher.submitRuns(jobstore, claimed);
    };
    this.membership = new ClusterMembership({ clock, logger, stores, node, timing, batchSize, active: processing, submitRuns });
  }

  /** Whether `allowedHosts` lets this host run the scheduler. */
  get hostAllowed(): boolean {
    const { allowedHosts, hostname } = this.identity;
    return allowedHosts.includes('*') || allowedHosts.includes(hostname);
  }

  /** This node's id and the cluster's live nodes. */
  async clusterInfo(): ReturnType<ClusterMembership['info']> {
    await this.stores.open();
    return this.membership.info();
  }

  /** Wakes the loop only if `job` is due before it would wake anyway. */
  wakeUpFor(job: Job): void {
    const next = job.nextRunTime?.getTime();
    if (next !== undefined) this.loop.wakeUpBy(next);
  }

  mayStart(): boolean {
    if (this.hostAllowed) return true;
    const { hostname, allowedHosts } = this.identity;
    this.logger.warn(`Scheduler not started: host "${hostname}" is not in allowed hosts (${allowedHosts.join(', ')})`);
    return false;
  }

  async open(): Promise<void> {
    this.runLog.startRetrying();
    await this.stores.open();
    await this.dispatcher.startExecutors();
  }

  async openFailed(): Promise<void> {
    await this.dispatcher.shutdownExecutors({ wait: false }).catch(() => undefined);
  }

  started(paused: boolean): void {
    if (this.stores.clustered) this.membership.start();
    this.events.emit({ kind: 'scheduler_started' });
    if (!paused) this.loop.wakeUp();
  }

  paused(): void {
    this.loop.disarm();
    this.events.emit({ kind: 'scheduler_paused' });
  }

  resumed(): void {
    this.events.emit({ kind: 'scheduler_resumed' });
    this.loop.wakeUp();
  }

  async stop(noWait: AbortSignal): Promise<void> {
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

  /** After the lifecycle has settled: flushes the run history and closes every store. */
  async close(): Promise<void> {
    this.runLog.stopRetrying();
    await this.runLog.flush();
    await this.stores.close();
  }

  private reportUnreadable(jobstore: string, error: JobDeserializationError): void {
    this.logger.error(`${error.message} (kept in store "${jobstore}", paused)`);
    this.events.emit({ kind: 'job_unreadable', jobId: error.jobId, jobstore, exception: error });
  }
}
